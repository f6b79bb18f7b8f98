-- Prosody for compose.yaml: one host, localhost, and parrot as its
-- component echo.localhost. Accounts are made with prosodyctl register.
admins = {}
modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "register"; "carbons";
  "pep"; "blocklist"; "vcard4"; "version"; "uptime"; "time"; "smacks";
}
allow_registration = false
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
data_path = "/var/lib/prosody"
log = { info = "*console" }
certificates = "/certs"
c2s_ports = { 5222 }
-- Inside the container the ports are published to the host's loopback.
c2s_interfaces = { "*" }
component_ports = { 5347 }
component_interfaces = { "*" }
s2s_ports = {}

VirtualHost "localhost"
  ssl = { certificate = "/certs/localhost.crt"; key = "/certs/localhost.key" }

-- The secret is the compose secret parrot reads too.
Component "echo.localhost"
  component_secret = io.open("/run/secrets/component_secret"):read("*l")
