#!/usr/bin/python3
"""Plex SQLite stand-in: the sqlite3 shell as Plex ships it ("/usr/lib/plexmediaserver/Plex SQLite"), for tests.

Why it exists: Plex's library DB declares the collation `icu_root`, which only Plex's own SQLite build has, so
stock `sqlite3` fails on it ("no such collation sequence: icu_root") where Plex SQLite works. This stand-in
registers that collation on every connection, so a test DB built with it traps any job that uses the wrong
binary, exactly as a real Plex DB does.

It behaves like the sqlite3 shell for what jobs call: `Plex SQLite [OPTIONS] DB [SQL ...]` (SQL from the
arguments, else from stdin), options -bail -batch -cmd -csv -header/-noheader -json -line -list -newline
-nullvalue -readonly -separator -version, dot commands .backup .bail .dump .exit .headers .mode .nullvalue
.print .quit .schema .separator .tables .timeout, list/csv/json/line output formatted as the shell formats it,
errors on stderr as the shell words them ("Error: in prepare, ..." / "Parse error near line N: ...") and exit
status 1. Like the shell, closing the last connection to a WAL database checkpoints it and removes the -wal.
"""
import csv
import io
import json
import sqlite3
import sys
import unicodedata
import urllib.parse

VERSION = f"{sqlite3.sqlite_version} (Plex SQLite stand-in)"


def _key(s):
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def icu_root(a, b):
    """Root-locale-like order: accents and case are secondary differences, then the raw text breaks ties."""
    ka, kb = _key(a), _key(b)
    if ka != kb:
        return -1 if ka < kb else 1
    return (a > b) - (a < b)


class Shell:
    def __init__(self):
        self.mode = "list"
        self.header = False
        self.separator = "|"
        self.newline = "\n"
        self.nullvalue = ""
        self.bail = False
        self.readonly = False
        self.failed = False
        self.conn = None
        self.path = None
        self.out = sys.stdout

    # --- connection -----------------------------------------------------------------------------------
    def open(self, path):
        self.path = path
        if path in ("", ":memory:"):
            uri = "file::memory:"
        else:
            uri = "file:" + urllib.parse.quote(path) + ("?mode=ro" if self.readonly else "")
        self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=0, check_same_thread=False)
        self.conn.create_collation("icu_root", icu_root)

    # --- output ---------------------------------------------------------------------------------------
    def text(self, v):
        if v is None:
            return self.nullvalue
        if isinstance(v, float):
            s = "%.15g" % v
            return s if any(c in s for c in ".eninf") else s + ".0"
        if isinstance(v, bytes):
            return v.decode("utf-8", "replace")
        return str(v)

    def emit(self, cols, rows):
        w = self.out.write
        if self.mode == "json":
            if not rows:
                return
            enc = lambda v: json.dumps(v.decode("latin-1") if isinstance(v, bytes) else v, ensure_ascii=False, separators=(",", ":"))
            objs = ["{" + ",".join(f"{json.dumps(c, ensure_ascii=False)}:{enc(v)}" for c, v in zip(cols, r)) + "}" for r in rows]
            w("[" + ",\n".join(objs) + "]\n")
        elif self.mode == "line":
            width = max(len(c) for c in cols)
            for i, r in enumerate(rows):
                if i:
                    w("\n")
                for c, v in zip(cols, r):
                    w(f"{c.rjust(width)} = {self.text(v)}\n")
        elif self.mode == "csv":
            buf = io.StringIO()
            cw = csv.writer(buf, lineterminator="\n")
            if self.header:
                cw.writerow(cols)
            for r in rows:
                cw.writerow([self.text(v) for v in r])
            w(buf.getvalue())
        else:
            sep = "\t" if self.mode == "tabs" else self.separator
            if self.header:
                w(sep.join(cols) + self.newline)
            for r in rows:
                w(sep.join(self.text(v) for v in r) + self.newline)

    def error(self, msg):
        self.failed = True
        sys.stdout.flush()
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    # --- SQL ------------------------------------------------------------------------------------------
    @staticmethod
    def statements(sql):
        """Splits SQL into complete statements the way the shell does (quotes, comments and triggers respected)."""
        out, start = [], 0
        for i, ch in enumerate(sql):
            if ch == ";" and sqlite3.complete_statement(sql[start:i + 1]):
                out.append(sql[start:i + 1])
                start = i + 1
        rest = sql[start:]
        if rest.strip():
            out.append(rest)
        return [s for s in out if s.strip().strip(";").strip()]

    def run_sql(self, sql, where):
        """Runs every statement; the first error ends this chunk (as the shell does)."""
        for stmt in self.statements(sql):
            try:
                cur = self.conn.execute(stmt)
                if cur.description:
                    cols = [d[0] for d in cur.description]
                    self.emit(cols, cur.fetchall())
            except (sqlite3.Error, sqlite3.Warning) as e:
                self.error(f"{where}{e}")
                return False
        return True

    # --- dot commands ---------------------------------------------------------------------------------
    def dot(self, line):
        parts = _split_dot(line[1:])
        cmd, args = (parts[0] if parts else ""), parts[1:]
        if cmd in ("quit", "exit"):
            raise SystemExit(1 if self.failed else 0)
        if cmd in ("headers", "header") and args:
            self.header = args[0].lower() in ("on", "1", "yes", "true")
        elif cmd == "mode" and args and args[0] in ("list", "json", "csv", "line", "tabs"):
            self.mode = args[0]
            if args[0] == "csv":
                self.separator = ","
        elif cmd == "separator" and args:
            self.separator = args[0]
        elif cmd == "nullvalue" and args:
            self.nullvalue = args[0]
        elif cmd == "bail" and args:
            self.bail = args[0].lower() in ("on", "1", "yes", "true")
        elif cmd == "timeout" and args:
            self.conn.execute(f"PRAGMA busy_timeout={int(args[0])}")
        elif cmd == "print":
            self.out.write(" ".join(args) + "\n")
        elif cmd == "tables":
            names = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY 1")]
            if names:
                self.out.write("  ".join(names) + "\n")
        elif cmd == "schema":
            q = "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL" + (" AND tbl_name LIKE ?" if args else "") + " ORDER BY rowid"
            for (s,) in self.conn.execute(q, args[:1]):
                self.out.write(s + ";\n")
        elif cmd == "dump":
            for s in self.conn.iterdump():
                self.out.write(s + "\n")
        elif cmd == "backup" and args:
            target = sqlite3.connect(args[-1])
            try:
                self.conn.backup(target)
            finally:
                target.close()
        else:
            self.error(f'Error: unknown command or invalid arguments:  "{cmd}". Enter ".help" for help')
            return False
        return True

    def run_chunk(self, text, where):
        if text.lstrip().startswith("."):
            try:
                return self.dot(text.strip())
            except sqlite3.Error as e:
                self.error(f"Error: {e}")
                return False
        return self.run_sql(text, where)

    def run_stdin(self):
        buf, start_line = "", 1
        for n, line in enumerate(sys.stdin, 1):
            if not buf and line.lstrip().startswith("."):
                if not self.run_chunk(line, "") and self.bail:
                    return
                continue
            if not buf:
                start_line = n
            buf += line
            if sqlite3.complete_statement(buf):
                ok = self.run_sql(buf, f"Parse error near line {start_line}: ")
                buf = ""
                if not ok and self.bail:
                    return
        if buf.strip():
            self.run_sql(buf, f"Parse error near line {start_line}: ")


def _split_dot(s):
    out, cur, quote = [], "", None
    for ch in s.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in "'\"":
            quote = ch
        elif ch.isspace():
            if cur:
                out.append(cur)
                cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def main(argv):
    sh = Shell()
    files, cmds, pre = [], [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        opt = a[1:] if a.startswith("--") else a
        if not a.startswith("-") or a == "-":
            files.append(a)
        elif opt in ("-cmd", "-separator", "-newline", "-nullvalue", "-init"):
            if i + 1 >= len(argv):
                sys.stderr.write(f"Error: missing argument to {a}\n")
                return 1
            val = argv[i + 1]
            i += 1
            if opt == "-cmd":
                pre.append(val)
            elif opt == "-separator":
                sh.separator = val
            elif opt == "-newline":
                sh.newline = val
            elif opt == "-nullvalue":
                sh.nullvalue = val
        elif opt == "-version":
            print(VERSION)
            return 0
        elif opt in ("-help",):
            print("Usage: Plex SQLite [OPTIONS] FILENAME [SQL]")
            return 0
        elif opt == "-bail":
            sh.bail = True
        elif opt == "-batch":
            pass
        elif opt in ("-header", "-headers"):
            sh.header = True
        elif opt == "-noheader":
            sh.header = False
        elif opt in ("-json", "-csv", "-line", "-list"):
            sh.mode = opt[1:]
            if opt == "-csv":
                sh.separator = ","
        elif opt == "-readonly":
            sh.readonly = True
        else:
            sys.stderr.write(f"Plex SQLite: Error: unknown option: {a}\nUse -help for a list of options.\n")
            return 1
        i += 1
    path = files[0] if files else ":memory:"
    cmds = files[1:]
    try:
        sh.open(path)
    except sqlite3.Error as e:
        sys.stderr.write(f'Error: unable to open database "{path}": {e}\n')
        return 1
    try:
        for c in pre:
            if not sh.run_chunk(c, "Error: in prepare, ") and sh.bail:
                return 1
        if cmds:
            for c in cmds:
                if not sh.run_chunk(c, "Error: in prepare, "):
                    return 1
        else:
            sh.run_stdin()
    except SystemExit as e:
        return int(e.code or 0)
    finally:
        sys.stdout.flush()
        sh.conn.close()
    return 1 if sh.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
