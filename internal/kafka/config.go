package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/flare-lakehouse/flare/internal/depot"
)

// Errors of this package; match them with errors.Is.
var (
	// ErrConfig marks settings that cannot work: a missing broker, an
	// unknown security protocol or SASL mechanism, a missing password.
	ErrConfig = errors.New("kafka settings")
	// ErrDataLoss marks offsets a stream expected to read that the broker
	// no longer holds (retention, deleted records or topics, a recreated
	// topic). See ReadOptions.AllowDataLoss.
	ErrDataLoss = errors.New("kafka data loss")
	// ErrStalled marks a read that made no progress for
	// ReadOptions.StallTimeout.
	ErrStalled = errors.New("kafka read stalled")
)

// SASL mechanisms.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// Security protocols (Kafka's security.protocol).
const (
	ProtocolPlaintext     = "PLAINTEXT"
	ProtocolSSL           = "SSL"
	ProtocolSASLPlaintext = "SASL_PLAINTEXT"
	ProtocolSASLSSL       = "SASL_SSL"
)

// Config is how to reach and authenticate to a Kafka cluster.
type Config struct {
	// Brokers are the seed brokers, host:port. Required.
	Brokers []string
	// ClientID names the client in the brokers' logs and quotas.
	// Default "flare".
	ClientID string
	// SASL authenticates the connection; nil means no SASL.
	SASL *SASL
	// TLS encrypts the connection; nil means plaintext.
	TLS *tls.Config
	// DialTimeout bounds opening one connection. Default 10s.
	DialTimeout time.Duration
}

// SASL is a SASL user.
type SASL struct {
	// Mechanism is MechanismPlain, MechanismSCRAMSHA256 or
	// MechanismSCRAMSHA512.
	Mechanism string
	// Username and Password are the credentials; both required.
	Username, Password string
}

// String hides the password.
func (s SASL) String() string { return s.Mechanism + " user " + s.Username }

// The environment variables that hold a depot's security settings are the
// depot's prefix (FLARE_KAFKA_<DEPOT> by default, see depot.KafkaSettings)
// followed by one of these suffixes.
const (
	// EnvSecurityProtocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or
	// SASL_SSL.
	EnvSecurityProtocol = "_SECURITY_PROTOCOL"
	// EnvSASLMechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; required
	// with SASL_*.
	EnvSASLMechanism = "_SASL_MECHANISM"
	// EnvSASLUsername and EnvSASLPassword: the SASL user; required with
	// SASL_*.
	EnvSASLUsername = "_SASL_USERNAME"
	EnvSASLPassword = "_SASL_PASSWORD"
	// EnvSSLCAFile: a PEM file of the CAs that sign the brokers'
	// certificates. Default: the system's roots.
	EnvSSLCAFile = "_SSL_CA_FILE"
	// EnvSSLCertFile and EnvSSLKeyFile: a PEM client certificate and its
	// key, for brokers that authenticate clients by certificate. Both or
	// neither.
	EnvSSLCertFile = "_SSL_CERT_FILE"
	EnvSSLKeyFile  = "_SSL_KEY_FILE"
	// EnvSSLServerName: the name to verify in the brokers' certificates
	// instead of the host name dialled.
	EnvSSLServerName = "_SSL_SERVER_NAME"
)

var envSuffixes = []string{EnvSecurityProtocol, EnvSASLMechanism, EnvSASLUsername, EnvSASLPassword,
	EnvSSLCAFile, EnvSSLCertFile, EnvSSLKeyFile, EnvSSLServerName}

// ConfigFromDepot is the Config of a kafka depot, its security settings read
// from environ (os.Environ() in production).
func ConfigFromDepot(d *depot.Depot, environ []string) (Config, error) {
	if d == nil || d.Type != depot.Kafka || d.Kafka == nil {
		return Config{}, fmt.Errorf("%w: depot %v is not a kafka depot", ErrConfig, depotName(d))
	}
	c, err := ConfigFromEnv(d.Kafka.Brokers, d.Kafka.EnvPrefix, environ)
	if err != nil {
		return Config{}, fmt.Errorf("kafka depot %q: %w", d.Name, err)
	}
	return c, nil
}

func depotName(d *depot.Depot) string {
	if d == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q (type %s)", d.Name, d.Type)
}

// ConfigFromEnv builds a Config for brokers with the security settings held
// in the environment variables prefix+Env... (see the Env constants).
// environ is a list of KEY=value (os.Environ()). A variable that starts with
// prefix+"_SECURITY_", "_SASL_" or "_SSL_" but is not one of the known names
// is refused (a misspelt setting would otherwise be ignored), and so are
// settings the protocol does not use.
func ConfigFromEnv(brokers []string, prefix string, environ []string) (Config, error) {
	c := Config{Brokers: brokers}
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		suffix, ok := strings.CutPrefix(k, prefix)
		if !ok || !(strings.HasPrefix(suffix, "_SECURITY_") || strings.HasPrefix(suffix, "_SASL_") || strings.HasPrefix(suffix, "_SSL_")) {
			// Not ours; FLARE_KAFKA_EVENTS_EU_... belongs to depot events-eu.
			continue
		}
		known := false
		for _, s := range envSuffixes {
			known = known || s == suffix
		}
		if !known {
			return Config{}, fmt.Errorf("%w: unknown environment variable %s (known: %s)", ErrConfig, k, envNames(prefix))
		}
		env[suffix] = v
	}
	name := func(suffix string) string { return prefix + suffix }
	protocol := strings.ToUpper(strings.TrimSpace(env[EnvSecurityProtocol]))
	if protocol == "" {
		protocol = ProtocolPlaintext
	}
	var useSASL, useTLS bool
	switch protocol {
	case ProtocolPlaintext:
	case ProtocolSSL:
		useTLS = true
	case ProtocolSASLPlaintext:
		useSASL = true
	case ProtocolSASLSSL:
		useSASL, useTLS = true, true
	default:
		return Config{}, fmt.Errorf("%w: %s=%q: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", ErrConfig, name(EnvSecurityProtocol), env[EnvSecurityProtocol])
	}
	if useSASL {
		c.SASL = &SASL{
			Mechanism: strings.ToUpper(strings.TrimSpace(env[EnvSASLMechanism])),
			Username:  env[EnvSASLUsername],
			Password:  env[EnvSASLPassword],
		}
		for _, s := range []string{EnvSASLMechanism, EnvSASLUsername, EnvSASLPassword} {
			if env[s] == "" {
				return Config{}, fmt.Errorf("%w: %s is %s but %s is not set", ErrConfig, name(EnvSecurityProtocol), protocol, name(s))
			}
		}
	} else {
		for _, s := range []string{EnvSASLMechanism, EnvSASLUsername, EnvSASLPassword} {
			if _, set := env[s]; set {
				return Config{}, fmt.Errorf("%w: %s is set but the security protocol is %s (set %s to SASL_PLAINTEXT or SASL_SSL)", ErrConfig, name(s), protocol, name(EnvSecurityProtocol))
			}
		}
	}
	if useTLS {
		t, err := tlsConfig(env, name)
		if err != nil {
			return Config{}, err
		}
		c.TLS = t
	} else {
		for _, s := range []string{EnvSSLCAFile, EnvSSLCertFile, EnvSSLKeyFile, EnvSSLServerName} {
			if _, set := env[s]; set {
				return Config{}, fmt.Errorf("%w: %s is set but the security protocol is %s (set %s to SSL or SASL_SSL)", ErrConfig, name(s), protocol, name(EnvSecurityProtocol))
			}
		}
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func envNames(prefix string) string {
	names := make([]string, len(envSuffixes))
	for i, s := range envSuffixes {
		names[i] = prefix + s
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func tlsConfig(env map[string]string, name func(string) string) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: env[EnvSSLServerName]}
	if f := env[EnvSSLCAFile]; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrConfig, name(EnvSSLCAFile), err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s: %s holds no PEM certificate", ErrConfig, name(EnvSSLCAFile), f)
		}
		t.RootCAs = pool
	}
	cert, key := env[EnvSSLCertFile], env[EnvSSLKeyFile]
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("%w: a client certificate needs both %s and %s", ErrConfig, name(EnvSSLCertFile), name(EnvSSLKeyFile))
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("%w: client certificate %s / %s: %v", ErrConfig, name(EnvSSLCertFile), name(EnvSSLKeyFile), err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	return t, nil
}

// validate checks what a Config needs before any connection.
func (c Config) validate() error {
	if len(c.Brokers) == 0 {
		return fmt.Errorf("%w: no brokers", ErrConfig)
	}
	for _, b := range c.Brokers {
		if h, p, err := net.SplitHostPort(b); err != nil || h == "" || p == "" {
			return fmt.Errorf("%w: broker %q: expected host:port", ErrConfig, b)
		}
	}
	if c.SASL != nil {
		switch c.SASL.Mechanism {
		case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		default:
			return fmt.Errorf("%w: SASL mechanism %q: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", ErrConfig, c.SASL.Mechanism)
		}
		if c.SASL.Username == "" || c.SASL.Password == "" {
			return fmt.Errorf("%w: SASL %s needs a username and a password", ErrConfig, c.SASL.Mechanism)
		}
	}
	return nil
}

// clientOpts are the franz-go options every client of c shares.
func (c Config) clientOpts() ([]kgo.Opt, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	id := c.ClientID
	if id == "" {
		id = "flare"
	}
	dial := c.DialTimeout
	if dial == 0 {
		dial = 10 * time.Second
	}
	opts := []kgo.Opt{kgo.SeedBrokers(c.Brokers...), kgo.ClientID(id), kgo.DialTimeout(dial)}
	if c.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(c.TLS.Clone()))
	}
	if c.SASL != nil {
		var m sasl.Mechanism
		switch c.SASL.Mechanism {
		case MechanismPlain:
			m = plain.Auth{User: c.SASL.Username, Pass: c.SASL.Password}.AsMechanism()
		case MechanismSCRAMSHA256:
			m = scram.Auth{User: c.SASL.Username, Pass: c.SASL.Password}.AsSha256Mechanism()
		case MechanismSCRAMSHA512:
			m = scram.Auth{User: c.SASL.Username, Pass: c.SASL.Password}.AsSha512Mechanism()
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}
