package chserver

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// Layout of a server directory. Everything the server writes stays under it, so
// a private server never touches /var/lib/clickhouse or /etc/clickhouse-server.
const (
	configFile    = "config.xml"
	usersFile     = "users.xml"
	dataDir       = "data"
	tmpDir        = "tmp"
	userFilesDir  = "user_files"
	formatSchemas = "format_schemas"
	logDir        = "log"
	logFile       = "clickhouse-server.log"
	errLogFile    = "clickhouse-server.err.log"
)

// configTemplate is a self-contained server config instead of a copy of the
// packaged /etc/clickhouse-server/config.xml: the sample carries remote_servers,
// graphite, dictionaries, an include_from of /etc/metrika.xml and other settings
// that refer to system paths. The root element is <yandex>: it is what 18.16
// documents, and current releases still accept it beside <clickhouse>.
//
// Paths that the server treats as directories must end in a slash (18.16 joins
// them by plain concatenation).
var configTemplate = template.Must(template.New(configFile).Funcs(template.FuncMap{"x": xmlText}).Parse(`<?xml version="1.0"?>
<!-- Written by slate warehouse/chserver; rewritten on every start. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>{{x .LogFile}}</log>
        <errorlog>{{x .ErrLogFile}}</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <listen_host>127.0.0.1</listen_host>
    <tcp_port>{{.TCPPort}}</tcp_port>
    <http_port>{{.HTTPPort}}</http_port>
    <interserver_http_port>{{.InterserverPort}}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>

    <path>{{x .DataPath}}</path>
    <tmp_path>{{x .TmpPath}}</tmp_path>
    <user_files_path>{{x .UserFilesPath}}</user_files_path>
    <format_schema_path>{{x .FormatSchemaPath}}</format_schema_path>
    <users_config>{{x .UsersConfig}}</users_config>

    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>

    <!-- 18.16 has no default for mark_cache_size and exits with "Not found:
         mark_cache_size" without it. The packaged values (5 GiB marks, 8 GiB
         uncompressed) size a dedicated host, not a private server. -->
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- On SIGTERM the server waits for open connections to end. An idle HTTP
         keep-alive connection lasts keep_alive_timeout (18.16 defaults to 10s;
         3 is the packaged value). -->
    <keep_alive_timeout>3</keep_alive_timeout>
    <mlock_executable>false</mlock_executable>
{{- with .Node}}

    <!-- A node of cluster {{x .Cluster}} (chserver.StartCluster). -->
    <zookeeper>
{{- range .ZooKeeper}}
        <node><host>{{x .Host}}</host><port>{{.Port}}</port></node>
{{- end}}
        <!-- Within ZooKeeper's default maxSessionTimeout (20 ticks); 30000 against
             testkit's ZooKeeper 3.8 made 18.16's handshake fail. -->
        <session_timeout_ms>10000</session_timeout_ms>
    </zookeeper>
    <remote_servers>
        <{{.Cluster}}>
{{- range .Shards}}
            <shard>
                <internal_replication>true</internal_replication>
{{- range .}}
                <replica><host>{{x .Host}}</host><port>{{.Port}}</port></replica>
{{- end}}
            </shard>
{{- end}}
        </{{.Cluster}}>
    </remote_servers>
    <macros>
        <shard>{{x .Shard}}</shard>
        <replica>{{x .Replica}}</replica>
    </macros>
    <!-- ON CLUSTER statements queue here. -->
    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>
{{- end}}
</yandex>
`))

const usersXML = `<?xml version="1.0"?>
<!-- Written by slate warehouse/chserver; rewritten on every start. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>8000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
            <!-- An idle native connection notices a shutdown only when its
                 poll_interval wait for the next packet ends (default 10s), so a
                 client pool left open would hold up Stop for that long. -->
            <poll_interval>1</poll_interval>
        </default>
    </profiles>
    <users>
        <!-- No password: the server listens on 127.0.0.1 only. -->
        <default>
            <password></password>
            <networks>
                <ip>::/0</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
`

type configParams struct {
	LogFile, ErrLogFile                                string
	TCPPort, HTTPPort, InterserverPort                 int
	DataPath, TmpPath, UserFilesPath, FormatSchemaPath string
	UsersConfig                                        string
	Node                                               *node
}

// node is a server's place in a cluster: the whole topology (the same on
// every node) and its own macros.
type node struct {
	Cluster        string
	Shards         [][]hostPortPair // native addresses of each shard's replicas
	Shard, Replica string           // macros
	ZooKeeper      []hostPortPair
}

type hostPortPair struct {
	Host string
	Port int
}

// writeConfig creates the directory layout under dir and writes config.xml and
// users.xml for the given ports (and cluster node, if any). It returns the
// path of config.xml.
func writeConfig(dir string, p ports, n *node) (string, error) {
	asDir := func(name string) string { return filepath.Join(dir, name) + string(filepath.Separator) }
	params := configParams{
		LogFile:          filepath.Join(dir, logDir, logFile),
		ErrLogFile:       filepath.Join(dir, logDir, errLogFile),
		TCPPort:          p.tcp,
		HTTPPort:         p.http,
		InterserverPort:  p.interserver,
		DataPath:         asDir(dataDir),
		TmpPath:          asDir(tmpDir),
		UserFilesPath:    asDir(userFilesDir),
		FormatSchemaPath: asDir(formatSchemas),
		UsersConfig:      filepath.Join(dir, usersFile),
		Node:             n,
	}
	for _, d := range []string{dataDir, tmpDir, userFilesDir, formatSchemas, logDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", fmt.Errorf("chserver: create %s: %w", d, err)
		}
	}
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, params); err != nil {
		return "", fmt.Errorf("chserver: render %s: %w", configFile, err)
	}
	cfg := filepath.Join(dir, configFile)
	if err := os.WriteFile(cfg, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("chserver: write %s: %w", configFile, err)
	}
	if err := os.WriteFile(params.UsersConfig, []byte(usersXML), 0o644); err != nil {
		return "", fmt.Errorf("chserver: write %s: %w", usersFile, err)
	}
	return cfg, nil
}

// xmlText escapes s for use as XML character data (a temp dir may contain '&').
func xmlText(s string) (string, error) {
	var b bytes.Buffer
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", err
	}
	return b.String(), nil
}
