// SPDX-License-Identifier: GPL-2.0-or-later

// An independent varlink client for cnprocd, built on the Go varlink library
// (github.com/varlink/go, Debian: golang-github-varlink-go-dev). Run by
// tests/integration/test-varlink-go.sh:
//
//	vgo unix:SOCKET PID MARKER
//
// PID is a process that ran before the daemon (ListProcesses must report it as
// "scanned"); MARKER is the last argument of a child the test runs after this
// program printed "subscribed": its exec must come through Subscribe. Prints a
// PASS line per check; the first mismatch prints FAIL and exits 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/varlink/go/varlink"
	"github.com/varlink/go/varlink/idl"
)

const monitor = "io.cnprocd.Monitor"

type process struct {
	Pid    int64    `json:"pid"`
	Ppid   int64    `json:"ppid"`
	Comm   string   `json:"comm"`
	Argv   []string `json:"argv"`
	Origin string   `json:"origin"`
	Unread bool     `json:"unread"`
}

type event struct {
	Event string   `json:"event"`
	Pid   int64    `json:"pid"`
	Argv  []string `json:"argv"`
}

type subscribeReply struct {
	Ready  *bool  `json:"ready"`
	Event  *event `json:"event"`
	Missed *int64 `json:"missed"`
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func pass(format string, args ...interface{}) {
	fmt.Printf("PASS: "+format+"\n", args...)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func connect(ctx context.Context, address string) *varlink.Connection {
	c, err := varlink.NewConnection(ctx, address)
	if err != nil {
		fail("connecting to %s: %v", address, err)
	}
	return c
}

func checkService(ctx context.Context, c *varlink.Connection) {
	var vendor, product, version, url string
	var interfaces []string

	if err := c.GetInfo(ctx, &vendor, &product, &version, &url, &interfaces); err != nil {
		fail("GetInfo: %v", err)
	}
	if vendor != "cnprocd" || product != "cnprocd" || version == "" ||
		!strings.HasPrefix(url, "http") || !contains(interfaces, monitor) ||
		!contains(interfaces, "org.varlink.service") {
		fail("GetInfo: vendor %q product %q version %q url %q interfaces %v",
			vendor, product, version, url, interfaces)
	}
	pass("GetInfo: %s %s %s, interfaces %v", vendor, product, version, interfaces)

	desc, err := c.GetInterfaceDescription(ctx, monitor)
	if err != nil {
		fail("GetInterfaceDescription(%s): %v", monitor, err)
	}
	if !strings.Contains(desc, "interface "+monitor) {
		fail("GetInterfaceDescription(%s) lacks \"interface %s\": %.200q", monitor,
			monitor, desc)
	}
	// the library's own IDL parser must accept what we serve; releases before
	// varlink/go#29 (2021) take only lower-case interface names, as the spec did
	// then: give those a lower-case name, the rest must parse as it is
	note := ""
	parsed, err := idl.New(desc)
	if err != nil {
		lower := strings.Replace(desc, "interface "+monitor,
			"interface "+strings.ToLower(monitor), 1)
		if parsed, err = idl.New(lower); err != nil {
			fail("the description of %s does not parse: %v", monitor, err)
		}
		note = " (parsed with a lower-case interface name: this library predates " +
			"upper-case ones)"
		parsed.Name = monitor
	}
	var methods []string
	for _, m := range parsed.Methods {
		methods = append(methods, m.Name)
	}
	for _, m := range []string{"GetStats", "ListProcesses", "GetProcess", "ListRules",
		"Subscribe", "Reload"} {
		if !contains(methods, m) {
			fail("the description of %s has no method %s (has %v)", monitor, m,
				methods)
		}
	}
	if parsed.Name != monitor {
		fail("the description parses as interface %q", parsed.Name)
	}
	pass("GetInterfaceDescription(%s): %d bytes, methods %v%s", monitor, len(desc),
		methods, note)

	desc, err = c.GetInterfaceDescription(ctx, "org.varlink.service")
	if err != nil {
		fail("GetInterfaceDescription(org.varlink.service): %v", err)
	}
	if parsed, err = idl.New(desc); err != nil || parsed.Name != "org.varlink.service" {
		fail("the description of org.varlink.service does not parse: %v", err)
	}
	pass("GetInterfaceDescription(org.varlink.service): parsed, %d errors",
		len(parsed.Errors))
}

func checkMethods(ctx context.Context, c *varlink.Connection, pid int64) {
	var stats struct {
		Processes int64            `json:"processes"`
		Events    map[string]int64 `json:"events"`
		Clients   int64            `json:"clients"`
	}
	if err := c.Call(ctx, monitor+".GetStats", nil, &stats); err != nil {
		fail("GetStats: %v", err)
	}
	if stats.Processes <= 0 || stats.Clients < 1 || stats.Events == nil {
		fail("GetStats: processes %d, clients %d, events %v", stats.Processes,
			stats.Clients, stats.Events)
	}
	pass("GetStats: %d processes, %d clients", stats.Processes, stats.Clients)

	var list struct {
		Processes []process `json:"processes"`
	}
	if err := c.Call(ctx, monitor+".ListProcesses", nil, &list); err != nil {
		fail("ListProcesses: %v", err)
	}
	var found *process
	for i := range list.Processes {
		if list.Processes[i].Pid == pid {
			found = &list.Processes[i]
		}
	}
	if found == nil {
		fail("ListProcesses: pid %d not among %d processes", pid, len(list.Processes))
	}
	if found.Origin != "scanned" {
		fail("ListProcesses: pid %d has origin %q, not \"scanned\"", pid, found.Origin)
	}
	pass("ListProcesses: %d processes, pid %d (%s) scanned", len(list.Processes), pid,
		found.Comm)

	var one struct {
		Process   process   `json:"process"`
		Ancestors []process `json:"ancestors"`
	}
	in := map[string]interface{}{"pid": pid}
	if err := c.Call(ctx, monitor+".GetProcess", in, &one); err != nil {
		fail("GetProcess(%d): %v", pid, err)
	}
	if one.Process.Pid != pid || len(one.Ancestors) == 0 ||
		one.Ancestors[0].Pid != one.Process.Ppid {
		fail("GetProcess(%d): %+v", pid, one)
	}
	pass("GetProcess(%d): parent %d, %d ancestors", pid, one.Process.Ppid,
		len(one.Ancestors))
}

func checkErrors(ctx context.Context, c *varlink.Connection) {
	var out json.RawMessage

	err := c.Call(ctx, monitor+".NoSuchMethod", nil, &out)
	if e, ok := err.(*varlink.MethodNotFound); !ok || e.Method != monitor+".NoSuchMethod" {
		fail("an unknown method: %T %v", err, err)
	}
	pass("an unknown method: MethodNotFound")

	_, err = c.GetInterfaceDescription(ctx, "org.example.Nope")
	if e, ok := err.(*varlink.InterfaceNotFound); !ok || e.Interface != "org.example.Nope" {
		fail("an unknown interface: %T %v", err, err)
	}
	pass("an unknown interface: InterfaceNotFound")

	err = c.Call(ctx, monitor+".GetProcess", map[string]interface{}{"pid": "1"}, &out)
	if e, ok := err.(*varlink.InvalidParameter); !ok || e.Parameter != "pid" {
		fail("a mistyped parameter: %T %v", err, err)
	}
	pass("a mistyped parameter: InvalidParameter(pid)")

	err = c.Call(ctx, monitor+".GetProcess", map[string]interface{}{"pid": 2147483647},
		&out)
	if e, ok := err.(*varlink.Error); !ok || e.Name != monitor+".NoSuchProcess" {
		fail("GetProcess of no process: %T %v", err, err)
	}
	pass("GetProcess of no process: NoSuchProcess")

	err = c.Call(ctx, monitor+".Subscribe", nil, &out)
	if e, ok := err.(*varlink.Error); !ok || e.Name != "org.varlink.service.ExpectedMore" {
		fail("Subscribe without more: %T %v", err, err)
	}
	pass("Subscribe without more: ExpectedMore")
}

func checkSubscribe(ctx context.Context, c *varlink.Connection, marker string) {
	in := map[string]interface{}{"events": []string{"exec"}}
	receive, err := c.Send(ctx, monitor+".Subscribe", in, varlink.More)
	if err != nil {
		fail("Subscribe: %v", err)
	}

	var r subscribeReply
	flags, err := receive(ctx, &r)
	if err != nil {
		fail("Subscribe: first reply: %v", err)
	}
	if flags&varlink.Continues == 0 || r.Ready == nil || !*r.Ready || r.Event != nil {
		fail("Subscribe: first reply is not ready with continues: flags %d, %+v",
			flags, r)
	}
	pass("Subscribe: ready, continues")
	fmt.Println("subscribed")

	for n := 1; ; n++ {
		r = subscribeReply{}
		flags, err = receive(ctx, &r)
		if err != nil {
			fail("Subscribe: waiting for the exec of %s (%d replies): %v", marker, n,
				err)
		}
		if flags&varlink.Continues == 0 || r.Event == nil || r.Event.Event != "exec" {
			fail("Subscribe: reply %d: flags %d, %+v", n, flags, r)
		}
		if len(r.Event.Argv) > 0 && r.Event.Argv[len(r.Event.Argv)-1] == marker {
			pass("Subscribe: exec of pid %d %v after %d replies", r.Event.Pid,
				r.Event.Argv, n)
			return
		}
	}
}

func main() {
	if len(os.Args) != 4 || !strings.HasPrefix(os.Args[1], "unix:") {
		fmt.Fprintln(os.Stderr, "usage: vgo unix:SOCKET PID MARKER")
		os.Exit(2)
	}
	address, marker := os.Args[1], os.Args[3]
	pid, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		fail("bad pid %q", os.Args[2])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	c := connect(ctx, address)
	checkService(ctx, c)
	checkMethods(ctx, c, pid)
	checkErrors(ctx, c)
	c.Close()

	// a feed takes its connection for good: a new one
	sub := connect(ctx, address)
	checkSubscribe(ctx, sub, marker)
	sub.Close()
}
