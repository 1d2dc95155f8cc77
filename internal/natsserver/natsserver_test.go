package natsserver

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

func TestNodeApply(t *testing.T) {
	for _, tt := range []struct {
		n       Node
		port    int
		routes  int
		wantErr string
	}{
		{Node{}, 0, 0, ""},
		{Node{Cluster: "nats://127.0.0.1:6222"}, 6222, 0, ""},
		{Node{Cluster: "nats://0.0.0.0:7000", Routes: "nats://a:7000, nats://b:7000,,nats://c:7000"}, 7000, 3, ""},
		{Node{Routes: "nats://a:7000"}, 0, 0, "without a cluster URL"},
		{Node{Cluster: "nats://127.0.0.1"}, 0, 0, "want nats://host:port"},
		{Node{Cluster: "nats://127.0.0.1:x"}, 0, 0, "want nats://host:port"},
		{Node{Cluster: "nats://h:6222", Routes: "a:7000"}, 0, 0, `route URL "a:7000"`},
	} {
		var o server.Options
		err := tt.n.apply(&o)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: error %v, want one saying %q", tt.n, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("%+v: %v", tt.n, err)
		case o.Cluster.Port != tt.port || len(o.Routes) != tt.routes || (tt.port != 0 && o.Cluster.Name != clusterName):
			t.Errorf("%+v: cluster %+v, %d routes; want port %d, %d routes", tt.n, o.Cluster, len(o.Routes), tt.port, tt.routes)
		}
	}
}
