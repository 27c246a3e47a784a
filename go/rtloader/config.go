package rtloader

import (
	"fmt"

	"github.com/DataDog/datadog-agent/rtloader/go/internal/hostc"
)

// ConfigToJSON parses a YAML or JSON document as the C host reads its
// configuration files (YAML 1.1 scalars, as PyYAML's safe loader) and
// returns its compact JSON: the text handed to load_config and hashed into
// CheckID. GIL: none. Errors: "<line>: <problem>".
func ConfigToJSON(doc string) (string, error) {
	return hostc.ToJSON(doc, "config")
}

// LoadConfigs reads check `name`'s configuration files under confd as the
// C host and the Agent do (<confd>/<name>.d/*.yaml sorted, then
// <confd>/<name>.yaml; each file's init_config goes with its instances)
// and returns one CheckConfig per instance, Source "<file>:<line>",
// Interval its min_collection_interval (default 15). found is false when
// the check has no file at all. GIL: none. Errors name the file and line.
func LoadConfigs(confd, name string) (configs []CheckConfig, found bool, err error) {
	instances, found, err := hostc.CheckConfig(confd, name)
	if err != nil || !found {
		return nil, found, err
	}
	for _, in := range instances {
		configs = append(configs, CheckConfig{Name: name, InitConfig: in.InitConfigJSON, Instance: in.JSON,
			Source: in.Source, Interval: in.Interval})
	}
	return configs, true, nil
}

// ConfiguredChecks lists the checks configured under confd, sorted. GIL: none.
func ConfiguredChecks(confd string) ([]string, error) {
	names, err := hostc.CheckNames(confd)
	if err != nil {
		return nil, fmt.Errorf("rtloader: %w", err)
	}
	return names, nil
}
