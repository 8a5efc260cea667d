#include "app/options.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <vector>

namespace mcpk::app {
namespace {

// Parses `args` as the `serve` command line; returns the CLI11 error text, or "" on success.
std::string parse(ServeOptions& o, std::vector<std::string> args) {
  CLI::App cmd{"serve"};
  add_serve_flags(cmd, o);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  try {
    cmd.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  note_given_flags(cmd, o);
  return "";
}

std::string validate_args(std::vector<std::string> args) {
  ServeOptions o;
  if (auto e = parse(o, std::move(args)); !e.empty()) return "parse: " + e;
  auto r = validate(o);
  return r ? "" : r.error().message;
}

}  // namespace

TEST(ServeOptions, DefaultsMatchSpec) {
  ServeOptions o;
  ASSERT_EQ(parse(o, {}), "");
  EXPECT_TRUE(o.policy.non_destructive);
  EXPECT_FALSE(o.policy.dry_run);
  EXPECT_EQ(o.kube.qps_limit, 20);
  EXPECT_EQ(o.kube.burst_limit, 30);
  EXPECT_EQ(o.kube.max_response_bytes, 128 * 1024);
  EXPECT_EQ(o.kube.tool_timeout.value, std::chrono::seconds(30));
  EXPECT_EQ(o.http.transport, "stdio");
  EXPECT_EQ(o.http.http_addr, ":8080");
  EXPECT_EQ(o.http.http_endpoint, "/mcp");
  EXPECT_EQ(o.telemetry.metrics_addr, ":9090");
  EXPECT_TRUE(validate(o));
}

TEST(ServeOptions, NonDestructiveCanBeTurnedOff) {
  ServeOptions o;
  ASSERT_EQ(parse(o, {"--non-destructive=false", "--dry-run"}), "");
  EXPECT_FALSE(o.policy.non_destructive);
  EXPECT_TRUE(o.policy.dry_run);
  EXPECT_TRUE(validate(o));
}

TEST(ServeOptions, ListsAreCommaSeparated) {
  ServeOptions o;
  ASSERT_EQ(parse(o, {"--allowed-operations=get,list", "--denied-namespaces", "kube-*,secret-ns"}), "");
  EXPECT_EQ(o.policy.allowed_operations, (std::vector<std::string>{"get", "list"}));
  EXPECT_EQ(o.policy.denied_namespaces, (std::vector<std::string>{"kube-*", "secret-ns"}));
}

TEST(ServeOptions, BadValuesNameTheirFlag) {
  EXPECT_NE(validate_args({"--transport=carrier-pigeon"}).find("--transport"), std::string::npos);
  EXPECT_NE(validate_args({"--transport=sse"}).find("streamable-http"), std::string::npos);
  EXPECT_NE(validate_args({"--qps-limit=0"}).find("--qps-limit"), std::string::npos);
  EXPECT_NE(validate_args({"--tool-timeout=10"}).find("--tool-timeout"), std::string::npos);
  EXPECT_NE(validate_args({"--instrumentation-enabled=maybe"}).find("INSTRUMENTATION_ENABLED"), std::string::npos);
  EXPECT_NE(validate_args({"--http-addr=8080"}).find("--http-addr"), std::string::npos);
  EXPECT_NE(validate_args({"--http-endpoint=mcp"}).find("--http-endpoint"), std::string::npos);
  EXPECT_NE(validate_args({"--tls-cert-file=/etc/hostname"}).find("go together"), std::string::npos);
  EXPECT_NE(validate_args({"--denied-operations=nuke"}).find("--denied-operations"), std::string::npos);
  EXPECT_NE(validate_args({"--kubeconfig=/nonexistent/kc"}).find("--kubeconfig"), std::string::npos);
  EXPECT_NE(validate_args({"--log-format=xml"}).find("--log-format"), std::string::npos);
  EXPECT_EQ(validate_args({"--dry-run"}), "");  // dry-run alone offers the mutating tools, as dry runs
}

TEST(ServeOptions, WrongTypeIsAParseError) {
  EXPECT_NE(validate_args({"--qps-limit=fast"}).find("parse:"), std::string::npos);
  EXPECT_NE(validate_args({"--no-such-flag"}).find("parse:"), std::string::npos);
}

TEST(ServeOptions, OAuthCombinations) {
  EXPECT_NE(validate_args({"--enable-oauth"}).find("streamable-http"), std::string::npos);
  EXPECT_NE(validate_args({"--transport=streamable-http", "--enable-oauth"}).find("--oauth-base-url"),
            std::string::npos);
  std::vector<std::string> dex = {"--transport=streamable-http", "--enable-oauth",
                                  "--oauth-base-url=https://mcp.example.com",
                                  "--dex-issuer-url=https://dex.example.com", "--dex-client-id=mcp"};
  EXPECT_NE(validate_args(dex).find("--dex-client-secret"), std::string::npos);
  dex.push_back("--dex-client-secret=s3cret");
  EXPECT_EQ(validate_args(dex), "");
  auto plain_http = dex;
  plain_http[2] = "--oauth-base-url=http://mcp.example.com";
  EXPECT_NE(validate_args(plain_http).find("https"), std::string::npos);
  EXPECT_NE(validate_args({"--downstream-oauth"}).find("--enable-oauth"), std::string::npos);
  EXPECT_EQ(validate_args({"--valkey-url=redis://r:6379"}), "--valkey-url: needs --enable-oauth");
  auto limits = dex;
  limits.push_back("--oauth-rate-limit-per-ip=-1");
  EXPECT_NE(validate_args(limits).find("--oauth-rate-limit-per-ip"), std::string::npos);
  EXPECT_NE(validate_args({"--enable-capi"}).find("--enable-capi"), std::string::npos);
}

TEST(ServeOptions, ReferenceFlagsAccepted) {
  ServeOptions o;
  ASSERT_EQ(parse(o, {"--max-request-size=1048576", "--metrics-enabled=false", "--enable-cimd=false",
                      "--trusted-public-registration-schemes=cursor,vscode", "--valkey-db=2"}),
            "");
  EXPECT_EQ(o.http.max_request_size, 1048576);
  EXPECT_FALSE(o.telemetry.metrics_enabled);
  EXPECT_FALSE(o.oauth.enable_cimd);
  EXPECT_EQ(o.oauth.trusted_public_registration_schemes.size(), 2u);
  EXPECT_NE(validate_args({"--sse-endpoint=/sse"}).find("streamable-http"), std::string::npos);
}

TEST(ServeOptions, EncryptionKeyMustBe32Bytes) {
  std::vector<std::string> base = {"--transport=streamable-http",
                                   "--enable-oauth",
                                   "--oauth-base-url=https://mcp.example.com",
                                   "--dex-issuer-url=https://dex.example.com",
                                   "--dex-client-id=mcp",
                                   "--dex-client-secret=s"};
  auto short_key = base;
  short_key.push_back("--oauth-encryption-key=c2hvcnQ=");
  EXPECT_NE(validate_args(short_key).find("32"), std::string::npos);
  auto good = base;
  good.push_back("--oauth-encryption-key=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
  EXPECT_EQ(validate_args(good), "");
  auto valkey = base;
  valkey.push_back("--oauth-storage-type=valkey");
  valkey.push_back("--valkey-url=localhost:6379");
  EXPECT_NE(validate_args(valkey).find("--oauth-encryption-key"), std::string::npos);
}

TEST(ServeOptions, FlagsGivenExplicitlyAreNoted) {
  ServeOptions o;
  CLI::App cmd{"serve"};
  add_serve_flags(cmd, o);
  cmd.parse(std::vector<std::string>{"--qps-limit=5"});
  note_given_flags(cmd, o);
  EXPECT_TRUE(unsupported_features(o).empty());  // defaults are not "given"
  EXPECT_FALSE(o.telemetry.metrics_addr_given);
  // Prometheus metrics have landed: their flags are accepted.
  cmd.parse(std::vector<std::string>{"--metrics-enabled=false", "--metrics-addr=:9191"});
  note_given_flags(cmd, o);
  EXPECT_TRUE(unsupported_features(o).empty());
  EXPECT_TRUE(o.telemetry.metrics_addr_given);
  // The exporters of metrics and traces have landed.
  cmd.parse(std::vector<std::string>{"--metrics-exporter=otlp", "--tracing-exporter=stdout"});
  note_given_flags(cmd, o);
  EXPECT_TRUE(unsupported_features(o).empty());
  EXPECT_TRUE(validate(o).has_value());
  o.telemetry.metrics_enabled = true;  // (set false by a parse above)
  o.telemetry.metrics_addr_given = false;
  EXPECT_TRUE(o.telemetry.metrics("stdio"));    // asked for explicitly: pushed even under stdio
  o.telemetry.metrics_exporter = "prometheus";  // CLI11 sets only what a parse names
  o.telemetry.tracing_exporter = "none";
  cmd.parse(std::vector<std::string>{"--traces-sampler-arg=1.5"});
  EXPECT_NE(validate(o).error().message.find("OTEL_TRACES_SAMPLER_ARG"), std::string::npos);
  o.telemetry.traces_sampler_ratio = 1.0;
  // OAuth and Cluster API federation have landed: their flags need their --enable-* flag.
  cmd.parse(std::vector<std::string>{"--dex-issuer-url=https://dex.example"});
  note_given_flags(cmd, o);
  EXPECT_TRUE(unsupported_features(o).empty());
  cmd.parse(std::vector<std::string>{"--capi-mode=sso-passthrough"});
  note_given_flags(cmd, o);
  EXPECT_TRUE(unsupported_features(o).empty());
  EXPECT_EQ(o.capi.given, std::vector<std::string>{"--capi-mode"});
  EXPECT_EQ(validate(o).error().message, "--capi-mode: needs --enable-capi");
}

TEST(ServeOptions, FederationSettingsAreChecked) {
  for (auto [args, named] : {std::pair{std::vector<std::string>{"--capi-group-mappings=[1]"}, "--capi-group-mappings"},
                             {{"--capi-group-mappings={\"a\": \"\"}"}, "WC_GROUP_MAPPINGS"},
                             {{"--capi-kubeconfig-secret-suffix=/../x"}, "--capi-kubeconfig-secret-suffix"},
                             {{"--capi-ca-configmap-suffix=-CA"}, "--capi-ca-configmap-suffix"}}) {
    ServeOptions o;
    CLI::App cmd;
    add_serve_flags(cmd, o);
    cmd.parse(args);
    auto ok = validate(o);
    ASSERT_FALSE(ok) << args[0];
    EXPECT_NE(ok.error().message.find(named), std::string::npos) << ok.error().message;
  }
  ServeOptions o;
  CLI::App cmd;
  add_serve_flags(cmd, o);
  cmd.parse(std::vector<std::string>{"--capi-group-mappings={\"oidc:a\": \"b\"}"});
  EXPECT_TRUE(validate(o));
}

TEST(ServeOptions, DescribeNeverShowsSecrets) {
  ServeOptions o;
  o.oauth.registration_token = "tok-123";
  o.oauth.valkey_url = "redis://u:pw@valkey:6379";
  auto text = describe(o);
  EXPECT_EQ(text.find("tok-123"), std::string::npos);
  EXPECT_EQ(text.find("pw@"), std::string::npos);
  EXPECT_NE(text.find("registration-token=<redacted>"), std::string::npos);
}

}  // namespace mcpk::app
