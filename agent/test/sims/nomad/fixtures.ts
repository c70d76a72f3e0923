/**
 * @module nomad-sim/fixtures
 * Job specs used by the simulator tests: an Overseerr job (docker, port, env,
 * CSI volume + volume_mount, resources, service with check, template heredoc)
 * in HCL, and a JSON job builder.
 */
import type { Json } from './state';

export const OVERSEERR_HCL = `
# Overseerr on Nomad with its config on a CSI block volume
variable "image" {
  default = "sctx/overseerr:1.33.2"
}

job "overseerr" {
  datacenters = ["dc1"]
  type        = "service"
  namespace   = "media"

  group "overseerr" {
    count = 1

    network {
      port "http" {
        to = 5055
      }
    }

    volume "config" {
      type            = "csi"
      source          = "overseerr-config"
      read_only       = false
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
    }

    task "overseerr" {
      driver = "docker"

      config {
        image = var.image
        ports = ["http"]
      }

      env {
        TZ        = "Europe/Berlin"
        LOG_LEVEL = "info"
        PORT      = 5055
      }

      volume_mount {
        volume      = "config"
        destination = "/app/config"
      }

      template {
        destination = "local/extra.env"
        env         = true
        data        = <<-EOT
          PLEX_URL=http://{{ env "NOMAD_IP_http" }}:32400
          API_PORT=\${NOMAD_PORT_http}
        EOT
      }

      resources {
        cpu    = 500
        memory = 512
      }

      service {
        name = "overseerr"
        port = "http"
        tags = ["media", "requests"]
        check {
          type     = "http"
          path     = "/api/v1/status"
          interval = "10s"
          timeout  = "2s"
        }
      }
    }
  }
}
`;

export function jsonJob(id: string, opts: { volume?: string; image?: string; namespace?: string; count?: number; readOnly?: boolean } = {}): Json {
  return {
    ID: id,
    Name: id,
    Type: 'service',
    Datacenters: ['dc1'],
    ...(opts.namespace ? { Namespace: opts.namespace } : {}),
    TaskGroups: [
      {
        Name: 'app',
        Count: opts.count ?? 1,
        ...(opts.volume
          ? { Volumes: { data: { Name: 'data', Type: 'csi', Source: opts.volume, ReadOnly: opts.readOnly ?? false, AccessMode: 'single-node-writer', AttachmentMode: 'file-system' } } }
          : {}),
        Tasks: [
          {
            Name: 'app',
            Driver: 'docker',
            Config: { image: opts.image ?? 'nginx:1.27' },
            ...(opts.volume ? { VolumeMounts: [{ Volume: 'data', Destination: '/data' }] } : {}),
          },
        ],
      },
    ],
  };
}
