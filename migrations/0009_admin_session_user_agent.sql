ALTER TABLE "admin_sessions" ADD COLUMN "user_agent" text;--> statement-breakpoint
CREATE INDEX "admin_sessions_principal_idx" ON "admin_sessions" USING btree ("principal_id");