#!/usr/bin/python3
"""systemctl stand-in for the Plex host sandbox (no systemd runs in a test sandbox).

It manages services from real unit files the way systemd does for what a migration job calls:
  * units: /etc/systemd/system/NAME.service, else /usr/lib/systemd/system/NAME.service; drop-ins
    /etc/systemd/system/NAME.service.d/*.conf (sorted; later Environment= assignments win).
  * enabled = the multi-user.target.wants symlink exists (enable/disable create/remove it; --now also starts/stops).
  * start runs ExecStart (Type=simple) as User=/Group= in its own session with the unit's Environment=; the main
    PID is kept in /run/systemd-standin/NAME.pid. stop sends SIGTERM to the process group, SIGKILL after 10 s.
  * is-active (active/inactive/failed; exit 0/3), is-enabled (enabled/disabled; 0/1), status (exit 3 when not
    running), show [-p A,B] [--value] (Environment, MainPID, ActiveState, SubState, UnitFileState, LoadState,
    FragmentPath, DropInPaths, User, Group, Id), cat, daemon-reload.
  * state changes need root, as with polkit and no agent: "Interactive authentication required." (exit 1).
Messages and exit codes follow systemctl's (4 unknown unit for status/show, 5 not loaded for start/stop).
"""
import glob
import os
import pwd
import grp
import shlex
import signal
import sys
import time

UNIT_DIRS = ["/etc/systemd/system", "/usr/lib/systemd/system"]
WANTS = "/etc/systemd/system/multi-user.target.wants"
STATE = "/run/systemd-standin"


def unit_name(n):
    return n if "." in n else n + ".service"


def fragment(unit):
    for d in UNIT_DIRS:
        p = os.path.join(d, unit)
        if os.path.isfile(p):
            return p
    return None


def dropins(unit):
    return sorted(glob.glob(f"/etc/systemd/system/{unit}.d/*.conf"))


def parse(unit):
    """[Service] assignments merged over the fragment and drop-ins; Environment= accumulates, later wins."""
    env, svc = {}, {}
    for path in [fragment(unit)] + dropins(unit):
        section = None
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.strip()
                if not line or line[0] in "#;":
                    continue
                if line.startswith("["):
                    section = line.strip("[]")
                    continue
                if section != "Service" or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                if k == "Environment":
                    if not v:
                        env.clear()
                    for item in shlex.split(v):
                        if "=" in item:
                            ek, ev = item.split("=", 1)
                            env[ek] = ev
                else:
                    svc[k] = v
    return env, svc


def pidfile(unit):
    return os.path.join(STATE, unit + ".pid")


def main_pid(unit):
    try:
        pid = int(open(pidfile(unit)).read().strip())
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        if stat[stat.rindex(")") + 2] == "Z":
            return 0
        return pid
    except (OSError, ValueError):
        return 0


def enabled(unit):
    return os.path.lexists(os.path.join(WANTS, unit))


def need_root(verb, unit):
    if os.geteuid() != 0:
        what = f"{verb} {unit}" if verb in ("start", "stop", "restart") else f"{verb} unit"
        sys.stderr.write(f"Failed to {what}: Interactive authentication required.\n")
        if verb in ("start", "stop", "restart"):
            sys.stderr.write(f"See system logs and 'systemctl status {unit}' for details.\n")
        sys.exit(1)


def start(unit):
    if main_pid(unit):
        return 0
    env, svc = parse(unit)
    argv = shlex.split(svc.get("ExecStart", "").lstrip("-@"))
    if not argv:
        sys.stderr.write(f"Failed to start {unit}: Unit {unit} has a bad unit file setting.\n")
        return 1
    user = svc.get("User", "root")
    pw = pwd.getpwnam(user)
    gid = grp.getgrnam(svc["Group"]).gr_gid if "Group" in svc else pw.pw_gid
    os.makedirs(STATE, exist_ok=True)
    log = os.open(f"/var/log/{unit}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        grandchild = os.fork()
        if grandchild:
            os.write(w, str(grandchild).encode())
            os._exit(0)
        os.close(w)
        os.setsid()  # its own session and process group, so stop can signal the whole service
        os.setgroups([])
        os.setgid(gid)
        os.setuid(pw.pw_uid)
        os.chdir("/")
        fd = os.open("/dev/null", os.O_RDONLY)
        os.dup2(fd, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        full = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": pw.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8", **env}
        try:
            os.execve(argv[0], argv, full)
        finally:
            os._exit(127)
    os.close(w)
    child = int(os.read(r, 32) or b"0")
    os.waitpid(pid, 0)
    with open(pidfile(unit), "w") as f:
        f.write(str(child))
    time.sleep(0.2)
    if not main_pid(unit):
        os.unlink(pidfile(unit))
        open(os.path.join(STATE, unit + ".failed"), "w").close()
        sys.stderr.write(f'Job for {unit} failed because the control process exited with error code.\nSee "systemctl status {unit}" and "journalctl -xeu {unit}" for details.\n')
        return 1
    try:
        os.unlink(os.path.join(STATE, unit + ".failed"))
    except OSError:
        pass
    return 0


def stop(unit):
    pid = main_pid(unit)
    if pid:
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
        for _ in range(200):
            if not main_pid(unit):
                break
            time.sleep(0.05)
        else:
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                except OSError:
                    pass
            for _ in range(100):
                if not main_pid(unit):
                    break
                time.sleep(0.05)
    try:
        os.unlink(pidfile(unit))
    except OSError:
        pass
    return 0


def active_state(unit):
    if main_pid(unit):
        return "active"
    return "failed" if os.path.exists(os.path.join(STATE, unit + ".failed")) else "inactive"


def env_value(env):
    out = []
    for k, v in env.items():
        item = f"{k}={v}"
        out.append('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' if any(c in item for c in ' "\\\t') else item)
    return " ".join(out)


def show(unit, props, value_only):
    env, svc = parse(unit) if fragment(unit) else ({}, {})
    pid = main_pid(unit)
    state = active_state(unit)
    known = {
        "Id": unit,
        "LoadState": "loaded" if fragment(unit) else "not-found",
        "ActiveState": state,
        "SubState": {"active": "running", "inactive": "dead", "failed": "failed"}[state],
        "UnitFileState": ("enabled" if enabled(unit) else "disabled") if fragment(unit) else "",
        "MainPID": str(pid),
        "ExecMainPID": str(pid),
        "FragmentPath": fragment(unit) or "",
        "DropInPaths": " ".join(dropins(unit)),
        "Environment": env_value(env),
        "User": svc.get("User", ""),
        "Group": svc.get("Group", ""),
    }
    for p in props or list(known):
        v = known.get(p, "")
        print(v if value_only else f"{p}={v}")
    return 0


def main(argv):
    args, props, value_only, now = [], [], False, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-p", "--property"):
            props += argv[i + 1].split(",")
            i += 1
        elif a.startswith("--property="):
            props += a.split("=", 1)[1].split(",")
        elif a.startswith("-p") and len(a) > 2:
            props += a[2:].split(",")
        elif a == "--value":
            value_only = True
        elif a == "--now":
            now = True
        elif a in ("-q", "--quiet", "--no-pager", "--no-ask-password", "--full", "-l", "--no-legend"):
            pass
        else:
            args.append(a)
        i += 1
    if not args:
        sys.stderr.write("systemctl stand-in: a verb is required\n")
        return 1
    verb, units = args[0], [unit_name(u) for u in args[1:]]
    quiet = "-q" in argv or "--quiet" in argv
    if verb == "daemon-reload":
        need_root(verb, "")
        return 0
    if not units:
        sys.stderr.write(f"Too few arguments.\n")
        return 1
    rc = 0
    for unit in units:
        loaded = fragment(unit) is not None
        if verb == "is-active":
            st = active_state(unit)
            if not quiet:
                print(st)
            rc = rc or (0 if st == "active" else 3)
        elif verb == "is-enabled":
            if not loaded:
                sys.stderr.write(f"Failed to get unit file state for {unit}: No such file or directory\n")
                rc = 1
                continue
            if not quiet:
                print("enabled" if enabled(unit) else "disabled")
            rc = rc or (0 if enabled(unit) else 1)
        elif verb in ("start", "stop", "restart"):
            need_root(verb, unit)
            if not loaded:
                sys.stderr.write(f"Failed to {verb} {unit}: Unit {unit} {'not loaded' if verb == 'stop' else 'not found'}.\n")
                rc = 5
                continue
            if verb in ("stop", "restart"):
                stop(unit)
            if verb in ("start", "restart"):
                rc = rc or start(unit)
        elif verb in ("enable", "disable"):
            need_root(verb, unit)
            if not loaded:
                sys.stderr.write(f"Failed to {verb} unit: Unit file {unit} does not exist.\n")
                rc = 1
                continue
            link = os.path.join(WANTS, unit)
            if verb == "enable" and not os.path.lexists(link):
                os.makedirs(WANTS, exist_ok=True)
                os.symlink(fragment(unit), link)
                sys.stderr.write(f"Created symlink {link} \u2192 {fragment(unit)}.\n")
            elif verb == "disable" and os.path.lexists(link):
                os.unlink(link)
                sys.stderr.write(f"Removed \"{link}\".\n")
            if now:
                rc = rc or (start(unit) if verb == "enable" else stop(unit))
        elif verb == "show":
            rc = rc or show(unit, props, value_only)
        elif verb == "status":
            if not loaded:
                sys.stderr.write(f"Unit {unit} could not be found.\n")
                rc = 4
                continue
            st = active_state(unit)
            pid = main_pid(unit)
            print(f"\u25cf {unit}\n     Loaded: loaded ({fragment(unit)}; {'enabled' if enabled(unit) else 'disabled'}; preset: enabled)")
            print(f"     Active: {st} ({ {'active': 'running', 'inactive': 'dead', 'failed': 'failed'}[st] })")
            if pid:
                print(f"   Main PID: {pid}")
            rc = rc or (0 if st == "active" else 3)
        elif verb == "cat":
            for p in [fragment(unit)] + dropins(unit):
                print(f"# {p}")
                print(open(p, encoding="utf-8").read())
        else:
            sys.stderr.write(f"Unknown command verb {verb}.\n")
            return 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
