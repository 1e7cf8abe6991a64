package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flare-lakehouse/flare/internal/depot"
)

func TestConfigFromEnv(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile, _ := testCerts(t, dir)
	brokers := []string{"127.0.0.1:9092"}
	tests := []struct {
		name    string
		env     []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "nothing set is plaintext", env: []string{"OTHER_X=1", "EVX_SASL_USERNAME=another-prefix", "EV_EU_SASL_PASSWORD=depot-ev-eu", "EV_BROKERS=not-a-setting"},
			check: func(t *testing.T, c Config) {
				if c.SASL != nil || c.TLS != nil {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "SASL PLAIN", env: []string{"EV_SECURITY_PROTOCOL=sasl_plaintext", "EV_SASL_MECHANISM=plain", "EV_SASL_USERNAME=u", "EV_SASL_PASSWORD=p=w"},
			check: func(t *testing.T, c Config) {
				if c.SASL == nil || *c.SASL != (SASL{MechanismPlain, "u", "p=w"}) || c.TLS != nil {
					t.Fatalf("got %+v", c)
				}
				if s := c.SASL.String(); strings.Contains(s, "p=w") {
					t.Fatalf("String() shows the password: %s", s)
				}
			}},
		{name: "SASL_SSL SCRAM with CA", env: []string{"EV_SECURITY_PROTOCOL=SASL_SSL", "EV_SASL_MECHANISM=SCRAM-SHA-512", "EV_SASL_USERNAME=u", "EV_SASL_PASSWORD=p", "EV_SSL_CA_FILE=" + caFile, "EV_SSL_SERVER_NAME=kafka.test"},
			check: func(t *testing.T, c Config) {
				if c.SASL == nil || c.SASL.Mechanism != MechanismSCRAMSHA512 || c.TLS == nil || c.TLS.RootCAs == nil || c.TLS.ServerName != "kafka.test" {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "SSL with client certificate", env: []string{"EV_SECURITY_PROTOCOL=SSL", "EV_SSL_CERT_FILE=" + certFile, "EV_SSL_KEY_FILE=" + keyFile},
			check: func(t *testing.T, c Config) {
				if c.TLS == nil || len(c.TLS.Certificates) != 1 || c.TLS.RootCAs != nil || c.SASL != nil {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "misspelt variable", env: []string{"EV_SASL_PASSWD=x"}, wantErr: "unknown environment variable EV_SASL_PASSWD"},
		{name: "misspelt TLS variable", env: []string{"EV_SSL_CA=x"}, wantErr: "unknown environment variable EV_SSL_CA"},
		{name: "unknown protocol", env: []string{"EV_SECURITY_PROTOCOL=KERBEROS"}, wantErr: `EV_SECURITY_PROTOCOL="KERBEROS": expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`},
		{name: "SASL without password", env: []string{"EV_SECURITY_PROTOCOL=SASL_PLAINTEXT", "EV_SASL_MECHANISM=PLAIN", "EV_SASL_USERNAME=u"}, wantErr: "EV_SASL_PASSWORD is not set"},
		{name: "SASL without mechanism", env: []string{"EV_SECURITY_PROTOCOL=SASL_PLAINTEXT", "EV_SASL_USERNAME=u", "EV_SASL_PASSWORD=p"}, wantErr: "EV_SASL_MECHANISM is not set"},
		{name: "unknown mechanism", env: []string{"EV_SECURITY_PROTOCOL=SASL_PLAINTEXT", "EV_SASL_MECHANISM=GSSAPI", "EV_SASL_USERNAME=u", "EV_SASL_PASSWORD=p"}, wantErr: `SASL mechanism "GSSAPI"`},
		{name: "password but plaintext", env: []string{"EV_SASL_PASSWORD=p"}, wantErr: "EV_SASL_PASSWORD is set but the security protocol is PLAINTEXT"},
		{name: "CA but no TLS", env: []string{"EV_SECURITY_PROTOCOL=SASL_PLAINTEXT", "EV_SASL_MECHANISM=PLAIN", "EV_SASL_USERNAME=u", "EV_SASL_PASSWORD=p", "EV_SSL_CA_FILE=" + caFile}, wantErr: "EV_SSL_CA_FILE is set but the security protocol is SASL_PLAINTEXT"},
		{name: "missing CA file", env: []string{"EV_SECURITY_PROTOCOL=SSL", "EV_SSL_CA_FILE=" + filepath.Join(dir, "nope.pem")}, wantErr: "EV_SSL_CA_FILE"},
		{name: "CA file without PEM", env: []string{"EV_SECURITY_PROTOCOL=SSL", "EV_SSL_CA_FILE=" + keyFile + ".txt"}, wantErr: "holds no PEM certificate"},
		{name: "certificate without key", env: []string{"EV_SECURITY_PROTOCOL=SSL", "EV_SSL_CERT_FILE=" + certFile}, wantErr: "needs both EV_SSL_CERT_FILE and EV_SSL_KEY_FILE"},
	}
	if err := os.WriteFile(keyFile+".txt", []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(brokers, "EV", tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrConfig) {
					t.Fatalf("err = %v, want %q (ErrConfig)", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.Brokers, ",") != "127.0.0.1:9092" {
				t.Fatalf("brokers = %v", c.Brokers)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigFromDepot(t *testing.T) {
	cfg, err := depot.Parse("/p/flare.yaml", []byte("depots:\n  click-stream: {type: kafka, brokers: [\"h:1\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cfg.Depot("click-stream")
	c, err := ConfigFromDepot(d, []string{"FLARE_KAFKA_CLICK_STREAM_SECURITY_PROTOCOL=SASL_SSL", "FLARE_KAFKA_CLICK_STREAM_SASL_MECHANISM=SCRAM-SHA-256",
		"FLARE_KAFKA_CLICK_STREAM_SASL_USERNAME=u", "FLARE_KAFKA_CLICK_STREAM_SASL_PASSWORD=p"})
	if err != nil || c.SASL == nil || c.SASL.Mechanism != MechanismSCRAMSHA256 || c.TLS == nil || c.Brokers[0] != "h:1" {
		t.Fatalf("config = %+v, %v", c, err)
	}
	_, err = ConfigFromDepot(d, []string{"FLARE_KAFKA_CLICK_STREAM_SASL_USERNAME=u"})
	if err == nil || !strings.Contains(err.Error(), `kafka depot "click-stream"`) {
		t.Fatalf("err = %v, want the depot named", err)
	}
	lh, _ := cfg.Depot("lakehouse")
	if _, err := ConfigFromDepot(lh, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("lakehouse depot: err = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"no brokers", Config{}, "no brokers"},
		{"bad broker", Config{Brokers: []string{"localhost"}}, `broker "localhost": expected host:port`},
		{"SASL without password", Config{Brokers: []string{"h:1"}, SASL: &SASL{Mechanism: MechanismPlain, Username: "u"}}, "needs a username and a password"},
		{"bad mechanism", Config{Brokers: []string{"h:1"}, SASL: &SASL{Mechanism: "plain", Username: "u", Password: "p"}}, `SASL mechanism "plain"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(context.Background(), tt.c, Subscription{Topics: []string{"t"}}, ReadOptions{})
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewReader err = %v, want %q", err, tt.want)
			}
			_, err = NewProducer(context.Background(), tt.c, ProducerOptions{})
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewProducer err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestSASLAndTLS connects with SASL and TLS to kfake clusters that demand
// them, with right and wrong credentials.
func TestSASLAndTLS(t *testing.T) {
	dir := t.TempDir()
	caFile, _, _, serverCert := testCerts(t, dir)
	tests := []struct {
		name      string
		mechanism string
		user      string
		tls       bool
		env       []string
		wantErr   string
	}{
		{name: "PLAIN", mechanism: MechanismPlain, user: "alice",
			env: []string{"K_SECURITY_PROTOCOL=SASL_PLAINTEXT", "K_SASL_MECHANISM=PLAIN", "K_SASL_USERNAME=alice", "K_SASL_PASSWORD=secret"}},
		{name: "SCRAM-SHA-256", mechanism: MechanismSCRAMSHA256, user: "bob",
			env: []string{"K_SECURITY_PROTOCOL=SASL_PLAINTEXT", "K_SASL_MECHANISM=SCRAM-SHA-256", "K_SASL_USERNAME=bob", "K_SASL_PASSWORD=secret"}},
		{name: "SCRAM-SHA-512 over TLS", mechanism: MechanismSCRAMSHA512, user: "carol", tls: true,
			env: []string{"K_SECURITY_PROTOCOL=SASL_SSL", "K_SASL_MECHANISM=SCRAM-SHA-512", "K_SASL_USERNAME=carol", "K_SASL_PASSWORD=secret", "K_SSL_CA_FILE=" + caFile, "K_SSL_SERVER_NAME=kafka.test"}},
		{name: "wrong password", mechanism: MechanismSCRAMSHA256, user: "bob",
			env:     []string{"K_SECURITY_PROTOCOL=SASL_PLAINTEXT", "K_SASL_MECHANISM=SCRAM-SHA-256", "K_SASL_USERNAME=bob", "K_SASL_PASSWORD=wrong"},
			wantErr: "connect to kafka"},
		{name: "TLS without the CA", mechanism: MechanismPlain, user: "alice", tls: true,
			env:     []string{"K_SECURITY_PROTOCOL=SASL_SSL", "K_SASL_MECHANISM=PLAIN", "K_SASL_USERNAME=alice", "K_SASL_PASSWORD=secret"},
			wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []kfake.Opt{kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(tt.mechanism, tt.user, "secret"), kfake.SeedTopics(1, "t")}
			if tt.tls {
				opts = append(opts, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}}))
			}
			f, err := kfake.NewCluster(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := ConfigFromEnv(f.ListenAddrs(), "K", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DialTimeout = 3 * time.Second
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r, err := NewReader(c, cfg, Subscription{Topics: []string{"t"}}, ReadOptions{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			infos, err := r.Partitions(c)
			if err != nil || len(infos) != 1 || infos[0].Partition != p("t", 0) {
				t.Fatalf("partitions = %v, %v", infos, err)
			}
		})
	}
}

// TestSASLRealBroker authenticates against the real broker's SASL listener:
// PLAIN with the user .ci/kafka.sh configures, SCRAM-SHA-256 with a user the
// test creates.
func TestSASLRealBroker(t *testing.T) {
	plainAddr := realBrokers(t, BrokersEnv)
	saslAddr := realBrokers(t, SASLBrokersEnv)
	adm := admin(t, Config{Brokers: []string{plainAddr}})
	user := "scram-" + time.Now().Format("150405.000000")
	if _, err := adm.AlterUserSCRAMs(ctx(t), nil, []kadm.UpsertSCRAM{{User: user, Mechanism: kadm.ScramSha256, Iterations: 4096, Password: "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mechanism, user, password, wantErr string
	}{
		{name: "PLAIN", mechanism: "PLAIN", user: "flare", password: "flare-secret"},
		{name: "PLAIN wrong password", mechanism: "PLAIN", user: "flare", password: "nope", wantErr: "connect to kafka"},
		{name: "SCRAM-SHA-256", mechanism: "SCRAM-SHA-256", user: user, password: "s3cret"},
		{name: "SCRAM-SHA-256 wrong password", mechanism: "SCRAM-SHA-256", user: user, password: "nope", wantErr: "connect to kafka"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv([]string{saslAddr}, "K", []string{"K_SECURITY_PROTOCOL=SASL_PLAINTEXT", "K_SASL_MECHANISM=" + tt.mechanism,
				"K_SASL_USERNAME=" + tt.user, "K_SASL_PASSWORD=" + tt.password})
			if err != nil {
				t.Fatal(err)
			}
			var r *Reader
			// A SCRAM user takes a moment to reach the broker's credential cache.
			for i := 0; ; i++ {
				c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err = NewReader(c, cfg, Subscription{Pattern: ".*"}, ReadOptions{})
				cancel()
				if err == nil || tt.wantErr != "" || i == 20 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, err := r.Partitions(ctx(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// testCerts writes a CA, a client certificate and its key as PEM files and
// returns them with a server certificate for kafka.test and 127.0.0.1.
func testCerts(t *testing.T, dir string) (caFile, certFile, keyFile string, server tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "flare test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{cn}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	write := func(name, typ string, der []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	caFile = write("ca.pem", "CERTIFICATE", caDER)
	cDER, cKey := leaf("client", x509.ExtKeyUsageClientAuth)
	certFile = write("client.pem", "CERTIFICATE", cDER)
	kDER, _ := x509.MarshalECPrivateKey(cKey)
	keyFile = write("client.key", "EC PRIVATE KEY", kDER)
	sDER, sKey := leaf("kafka.test", x509.ExtKeyUsageServerAuth)
	server = tls.Certificate{Certificate: [][]byte{sDER}, PrivateKey: sKey}
	return caFile, certFile, keyFile, server
}
