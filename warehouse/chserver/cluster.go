package chserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
)

// ClusterOptions configures StartCluster.
type ClusterOptions struct {
	// Name is the cluster's name in remote_servers (default "slate"): what
	// ON CLUSTER and Distributed tables refer to.
	Name string
	// Shards and Replicas per shard; defaults 1 and 2.
	Shards, Replicas int
	// ZooKeeper are the host:port addresses of the ZooKeeper ensemble the
	// nodes coordinate replication and ON CLUSTER statements through
	// (required).
	ZooKeeper []string
	// Binary and Log as in Options; every node logs to Log.
	Binary string
	Log    io.Writer
}

// Cluster is a set of private servers forming one ClickHouse cluster on
// loopback ports, each in its own temporary directory: every node knows
// the whole topology (remote_servers, with internal_replication), its own
// {shard} and {replica} macros, ZooKeeper and a distributed_ddl queue.
type Cluster struct {
	Name string
	// Nodes[shard][replica]. A node's Stop and Restart keep its ports,
	// macros and data, as a restarted host of a real cluster would.
	Nodes [][]*Server
}

// All lists every node, shard by shard.
func (c *Cluster) All() []*Server {
	var out []*Server
	for _, shard := range c.Nodes {
		out = append(out, shard...)
	}
	return out
}

// Close stops every node and removes their directories.
func (c *Cluster) Close() error {
	var errs []error
	for _, s := range c.All() {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// Macros are the node's {shard} and {replica} macros ("" if standalone).
func (s *Server) Macros() (shard, replica string) {
	if s.node == nil {
		return "", ""
	}
	return s.node.Shard, s.node.Replica
}

// StartCluster starts Shards × Replicas servers as one cluster and waits
// until all are ready. Shard macros are 1, 2, ...; replica macros s1r1,
// s1r2, ... (unique in the cluster). ctx bounds only the start.
func StartCluster(ctx context.Context, o ClusterOptions) (*Cluster, error) {
	if o.Name == "" {
		o.Name = "slate"
	}
	if o.Shards == 0 {
		o.Shards = 1
	}
	if o.Replicas == 0 {
		o.Replicas = 2
	}
	if o.Shards < 0 || o.Replicas < 0 {
		return nil, errors.New("chserver: negative shard or replica count")
	}
	if len(o.ZooKeeper) == 0 {
		return nil, errors.New("chserver: a cluster needs ZooKeeper")
	}
	var zk []hostPortPair
	for _, a := range o.ZooKeeper {
		hp, err := splitHostPort(a)
		if err != nil {
			return nil, fmt.Errorf("chserver: zookeeper %q: %w", a, err)
		}
		zk = append(zk, hp)
	}
	bin, err := findBinary(o.Binary)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		var c *Cluster
		c, err = startClusterOnce(ctx, o, bin, zk)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == startAttempts || ctx.Err() != nil {
			return nil, err
		}
	}
}

func startClusterOnce(ctx context.Context, o ClusterOptions, bin string, zk []hostPortPair) (*Cluster, error) {
	sets, err := freePortSets(o.Shards * o.Replicas)
	if err != nil {
		return nil, err
	}
	topology := make([][]hostPortPair, o.Shards)
	for sh := range topology {
		for r := 0; r < o.Replicas; r++ {
			topology[sh] = append(topology[sh], hostPortPair{Host: "127.0.0.1", Port: sets[sh*o.Replicas+r].tcp})
		}
	}
	c := &Cluster{Name: o.Name, Nodes: make([][]*Server, o.Shards)}
	for sh := range c.Nodes {
		for r := 0; r < o.Replicas; r++ {
			dir, err := os.MkdirTemp("", "slate-clickhouse-node-")
			if err != nil {
				_ = c.Close()
				return nil, fmt.Errorf("chserver: create temp dir: %w", err)
			}
			c.Nodes[sh] = append(c.Nodes[sh], &Server{binary: bin, dir: dir, ownDir: true, log: o.Log,
				ports: sets[sh*o.Replicas+r],
				node: &node{Cluster: o.Name, Shards: topology, ZooKeeper: zk,
					Shard: strconv.Itoa(sh + 1), Replica: fmt.Sprintf("s%dr%d", sh+1, r+1)}})
		}
	}
	// Start the nodes side by side: each takes a couple of seconds.
	all := c.All()
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.mu.Lock()
			errs[i] = s.startLocked(ctx)
			s.mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func splitHostPort(a string) (hostPortPair, error) {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return hostPortPair{}, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return hostPortPair{}, err
	}
	return hostPortPair{Host: h, Port: port}, nil
}
