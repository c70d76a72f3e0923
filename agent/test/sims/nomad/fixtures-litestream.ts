/**
 * @module nomad-sim/fixtures-litestream
 * An Overseerr jobspec in the shape the migration deploys (HCL, parsed by /v1/jobs/parse): a CSI
 * volume for /app/config, the DB on the allocation's ephemeral disk (alloc/data/db bound at
 * /app/config/db), a Litestream `restore` prestart task, a `replicate` poststart sidecar, S3
 * credentials from a Nomad Variable through a template, and an HTTP check on /api/v1/status.
 */

export interface OverseerrJobOptions {
  s3Endpoint: string;
  bucket: string;
  path: string;
  image?: string;
  volume?: string;
  varPath?: string;
  job?: string;
}

export function overseerrLitestreamHcl(o: OverseerrJobOptions): string {
  const litestreamYml = `dbs:
  - path: /alloc/data/db/db.sqlite3
    replicas:
      - type: s3
        bucket: ${o.bucket}
        path: ${o.path}
        endpoint: ${o.s3Endpoint}
        region: us-east-1
        force-path-style: true
        sync-interval: 200ms
{{- with nomadVar "${o.varPath ?? 'nomad/jobs/overseerr'}" }}
        access-key-id: {{ .access_key_id }}
        secret-access-key: {{ .secret_access_key }}
{{- end }}
`;
  const template = `
      template {
        destination = "local/litestream.yml"
        data        = <<-EOT
${litestreamYml.split('\n').map((l) => `          ${l}`).join('\n')}
        EOT
      }`;
  return `
job "${o.job ?? 'overseerr'}" {
  datacenters = ["dc1"]
  type        = "service"

  group "overseerr" {
    network {
      port "http" {
        to = 5055
      }
    }

    volume "config" {
      type            = "csi"
      source          = "${o.volume ?? 'overseerr-config'}"
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
    }

    restart {
      attempts = 1
      delay    = "5s"
      mode     = "fail"
    }

    task "litestream-restore" {
      driver = "docker"
      lifecycle {
        hook    = "prestart"
        sidecar = false
      }
      config {
        image = "litestream/litestream:0.3.13"
        args  = ["restore", "-if-db-not-exists", "-if-replica-exists", "-config", "/local/litestream.yml", "/alloc/data/db/db.sqlite3"]
      }${template}
    }

    task "overseerr" {
      driver = "docker"
      config {
        image = "${o.image ?? 'sctx/overseerr:1.33.2'}"
        ports = ["http"]
        mount {
          type   = "bind"
          source = "../alloc/data/db"
          target = "/app/config/db"
        }
      }
      volume_mount {
        volume      = "config"
        destination = "/app/config"
      }
      env {
        TZ = "Europe/Berlin"
      }
      service {
        name     = "overseerr"
        port     = "http"
        provider = "nomad"
        tags     = ["traefik.enable=true", "traefik.http.routers.overseerr.rule=Host(\`requests.home.arpa\`)"]
        check {
          type     = "http"
          path     = "/api/v1/status"
          interval = "10s"
          timeout  = "2s"
        }
      }
    }

    task "litestream-replicate" {
      driver = "docker"
      lifecycle {
        hook    = "poststart"
        sidecar = true
      }
      config {
        image = "litestream/litestream:0.3.13"
        args  = ["replicate", "-config", "/local/litestream.yml"]
      }${template}
    }
  }
}
`;
}
