import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './duration';
import { HclError } from './hcl';
import { parseJobspec } from './jobspec';

const parseErr = (src: string): string => {
  try {
    parseJobspec(src);
  } catch (err) {
    if (err instanceof HclError) return err.message;
    throw err;
  }
  throw new Error('expected a parse error');
};

describe('nomad sim: HCL jobspec subset', () => {
  it('handles comments, lists, objects, escapes, runtime interpolation, static ports, meta and constraints', () => {
    const job = parseJobspec(`
/* block comment */
job "x" { // trailing comment
  datacenters = [
    "dc1",
    "dc2", # trailing comma allowed
  ]
  meta {
    owner = "ops"
  }
  constraint {
    attribute = "\${attr.kernel.name}"
    value     = "linux"
  }
  group "g" {
    network {
      mode = "bridge"
      port "plex" {
        static = 32400
      }
    }
    task "t" {
      driver = "docker"
      config {
        image   = "plexinc/pms-docker:1.43.0"
        labels  = { a = "1", "b.c" = true }
        command = "sh"
        args    = ["-c", "echo \\"hi\\" $\${HOME}"]
        mount {
          type   = "bind"
          source = "local/x"
        }
      }
      kill_timeout = "1m30s"
    }
  }
}
`);
    expect(job.Datacenters).toEqual(['dc1', 'dc2']);
    expect(job.Meta).toEqual({ owner: 'ops' });
    expect(job.Constraints).toEqual([{ LTarget: '${attr.kernel.name}', RTarget: 'linux' }]);
    const group = (job.TaskGroups as Array<Record<string, unknown>>)[0] ?? {};
    expect(group.Networks).toEqual([{ Mode: 'bridge', DynamicPorts: null, ReservedPorts: [{ Label: 'plex', Value: 32400, To: 0, HostNetwork: '' }] }]);
    const task = (group.Tasks as Array<Record<string, unknown>>)[0] ?? {};
    expect(task.Config).toEqual({
      image: 'plexinc/pms-docker:1.43.0',
      labels: { a: '1', 'b.c': true },
      command: 'sh',
      args: ['-c', 'echo "hi" ${HOME}'],
      mount: [{ type: 'bind', source: 'local/x' }],
    });
    expect(task.KillTimeout).toBe(90_000_000_000);
  });

  it('reports HCL diagnostics with positions', () => {
    expect(parseErr('job {\n}\n')).toBe('input.hcl:1,1-4: Missing name for job; All job blocks must have 1 labels (name).');
    expect(parseErr('job "x" {\n  type = "service" priority = 5\n}\n')).toMatch(/^input\.hcl:2,20-21: Missing newline after argument;/);
    expect(parseErr('job "x" {\n  type = upper("a")\n}\n')).toMatch(/Call to unknown function/);
    expect(parseErr('job "x" {\n  type = "unterminated\n}\n')).toMatch(/^input\.hcl:2,10-11: Unterminated template string;/);
    expect(parseErr('job "x" {\n  type = "a"\n  type = "b"\n}\n')).toMatch(/Attribute redefined/);
    expect(parseErr('job "x" {\n  type = var.nope\n}\n')).toMatch(/Unsupported attribute/);
    expect(parseErr('job "x" {\n  group "g" {\n    task "t" {\n      kill_timeout = "soon"\n    }\n  }\n}\n')).toMatch(/invalid duration "soon"/);
    expect(parseErr('variable "v" {}\njob "x" {}\n')).toMatch(/Required variable v is not set/);
    expect(parseErr('')).toMatch(/Missing job block/);
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h2m3.5s')).toBe(3_723_500_000_000);
    expect(parseGoDuration('100ms')).toBe(100_000_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('5 s')).toBeUndefined();
  });
});
