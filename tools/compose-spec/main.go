// compose-spec loads a Compose file with compose-go, the loader Docker Compose itself is built on: it validates the
// file against the Compose Specification schema embedded in that release, resolves merge keys, interpolates
// ${VAR:-default} from the environment, normalises the model and checks its consistency (depends_on targets,
// networks, volumes, secrets). It prints the resulting project as JSON on stdout, or the error and exit code 1.
//
// Usage: compose-spec COMPOSE_FILE
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-spec COMPOSE_FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(false),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(project); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-spec: %v\n", err)
	os.Exit(1)
}
