// Command initonly links everything bin/impress links and exits in main:
// its start-up is the runtime's and every package init's, without any
// command's own work. startupbench builds it for its "init only" row.
package main

import _ "github.com/impress-dev/impress/cli"

func main() {}
