package hostcli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// What the tests read of other processes: /proc/<pid>/stat.

// procStat is one process's stat line, its fields named as proc(5) has them.
type procStat struct {
	pid     int
	name    string // comm, without its parentheses
	state   string // "Z": a zombie
	ppid    int
	pgrp    int
	session int
}

// readStat reads /proc/<pid>/stat; false when the process is gone.
func readStat(pid int) (procStat, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, false
	}
	text := string(data)
	// the name may hold spaces and parentheses: it ends at the last ')'
	open, end := strings.IndexByte(text, '('), strings.LastIndexByte(text, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	fields := strings.Fields(text[end+1:])
	if len(fields) < 4 {
		return procStat{}, false
	}
	s := procStat{pid: pid, name: text[open+1 : end], state: fields[0]}
	s.ppid, _ = strconv.Atoi(fields[1])
	s.pgrp, _ = strconv.Atoi(fields[2])
	s.session, _ = strconv.Atoi(fields[3])
	return s, true
}

// allStats reads every process's stat; those gone meanwhile are left out.
func allStats(t *testing.T) []procStat {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []procStat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := readStat(pid); ok {
			out = append(out, s)
		}
	}
	return out
}

// pidsWhere lists the processes whose stat satisfies keep.
func pidsWhere(t *testing.T, keep func(procStat) bool) []int {
	t.Helper()
	var out []int
	for _, s := range allStats(t) {
		if keep(s) {
			out = append(out, s.pid)
		}
	}
	return out
}

// processGroupMembers lists the live (not zombie) processes of process group pgid.
func processGroupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	return pidsWhere(t, func(s procStat) bool { return s.pgrp == pgid && s.state != "Z" })
}

// childPids lists the processes whose parent is pid, but for the host's
// janitor (host/janitor.c, named rtl-janitor).
func childPids(t *testing.T, pid int) []int {
	t.Helper()
	return pidsWhere(t, func(s procStat) bool { return s.ppid == pid && s.name != "rtl-janitor" })
}

// alive: the process exists and is not a zombie.
func alive(pid int) bool {
	s, ok := readStat(pid)
	return ok && s.state != "Z"
}

// sessionOf reads the session id of pid.
func sessionOf(t *testing.T, pid int) int {
	t.Helper()
	s, ok := readStat(pid)
	if !ok {
		t.Fatalf("process %d is gone", pid)
	}
	return s.session
}
