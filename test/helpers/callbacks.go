package helpers

// Go callbacks the harness registers itself. This file holds only //export
// functions: a cgo preamble in a file with exports may declare but not
// define C functions.

/*
#include "rtloader_types.h"
*/
import "C"

import "sync"

// LogEntry is one call of the log callback (set_log_cb).
type LogEntry struct {
	Message string
	Level   int
}

var (
	logMu   sync.Mutex
	logSeen []LogEntry
)

//export helpersLogCb
func helpersLogCb(msg *C.char, level C.int) {
	entry := LogEntry{Level: int(level)}
	if msg != nil {
		entry.Message = C.GoString(msg)
	}
	logMu.Lock()
	logSeen = append(logSeen, entry)
	logMu.Unlock()
}

// Logs returns a copy of the messages the log callback received since the
// last ResetLogs.
func Logs() []LogEntry {
	logMu.Lock()
	defer logMu.Unlock()
	return append([]LogEntry(nil), logSeen...)
}

// ResetLogs forgets the recorded log messages.
func ResetLogs() {
	logMu.Lock()
	logSeen = nil
	logMu.Unlock()
}
