#include "app/serve.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <memory>

#include "app/metrics.hpp"
#include "app/oauth.hpp"
#include "app/tracing.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "federation/federation.hpp"
#include "kube/client.hpp"
#include "kube/in_cluster.hpp"
#include "kube/kubeconfig.hpp"
#include "kube/portforward.hpp"
#include "mcp/server.hpp"
#include "policy/policy.hpp"
#include "telemetry/instrument.hpp"
#include "telemetry/tracing.hpp"
#include "tools/env.hpp"
#include "transport/guards.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio.hpp"
#include "transport/streamable.hpp"

namespace mcpk::app {
namespace {

constexpr const char* kInstructions =
    "Tools for Kubernetes clusters. Resource types resolve like kubectl (plural, singular, Kind, "
    "short name, resource.group). Lists are paged: pass the returned continue token to get more. "
    "Secret values are masked.";

// /readyz: the default cluster's API server answers GET /version within 1 s (past the rate
// limiter and the connection cap: a busy server is still ready).
Task<Result<void>> cluster_reachable(kube::ClientSource& clients) {
  const kube::CallContext cc{kube::Clock::now() + std::chrono::seconds(1), nullptr, RequestScope{}};
  auto client = co_await clients.client("", cc);
  if (!client) co_return std::unexpected(client.error());
  kube::HttpRequest request;
  request.target = "/version";
  request.probe = true;
  auto res = co_await (*client)->transport().send(std::move(request), cc);
  if (!res) co_return std::unexpected(res.error());
  if (res->status != 200) {
    co_return fail(Errc::unavailable, fmt::format("the API server at {} answered GET /version with HTTP {}",
                                                  (*client)->transport().endpoint(), res->status));
  }
  co_return Result<void>{};
}

// Test-only: MCPK_TEST_CALLER_HEADER names a request header whose value becomes the caller's
// identity, so that tests can play several users before OAuth provides real ones. Without
// authentication every caller uses the server's own credentials anyway: this only partitions
// what callers own (sessions, port-forwards), it grants nothing.
std::optional<transport::Middleware> test_caller_middleware() {
  const char* header = std::getenv("MCPK_TEST_CALLER_HEADER");
  if (!header || !*header) return std::nullopt;
  spdlog::warn("MCPK_TEST_CALLER_HEADER is set: the {} header names the caller (for tests only)", header);
  return
      [name = std::string(header)](transport::Exchange& x, const transport::Handler& next) -> Task<transport::Reply> {
        if (auto v = x.req[name]; !v.empty()) {
          auto caller = std::make_shared<Caller>();
          caller->key = "test#" + std::string(v.substr(0, 128));
          caller->subject = std::string(v.substr(0, 128));
          x.scope.caller = std::move(caller);
        }
        co_return co_await next(x);
      };
}

// A workload cluster that does not answer must fail its call quickly, never hold it to the
// tool timeout: connecting and the TLS handshake get this long.
constexpr std::chrono::seconds kWorkloadConnectTimeout{5};

std::unique_ptr<federation::Federation> make_federation(const net::any_io_executor& ex, kube::ClientSource& management,
                                                        const CapiOptions& capi,
                                                        const kube::ClientSource::Options& source) {
  federation::WorkloadOptions w;
  w.mode = capi.mode == "sso-passthrough" ? federation::AuthMode::sso_passthrough : federation::AuthMode::impersonation;
  w.kubeconfig_secret_suffix = capi.kubeconfig_secret_suffix;
  w.ca_configmap_suffix = capi.ca_configmap_suffix;
  w.cache = {.ttl = capi.cache_ttl.value, .max_entries = static_cast<std::size_t>(capi.cache_max_entries)};
  w.group_mappings = federation::parse_group_mappings(capi.group_mappings).value_or(federation::GroupMappings{});
  w.transport = source.transport;
  w.transport.connect_timeout = kWorkloadConnectTimeout;
  w.observer = source.observer;
  return std::make_unique<federation::Federation>(ex, management, std::move(w));
}

bool loopback(std::string_view address) {
  return address == "127.0.0.1" || address == "::1" || address.starts_with("127.");
}

}  // namespace

int run_serve(const ServeOptions& options) {
  if (auto ok = validate(options); !ok) {
    fmt::print(stderr, "mcp-kubernetes serve: {}\n", ok.error().message);
    return 2;
  }
  // JSON where a log collector reads the lines (in a pod), text for a person at a terminal.
  const char* in_pod = std::getenv("KUBERNETES_SERVICE_HOST");
  const std::string log_format = !options.log_format.empty() ? options.log_format : in_pod && *in_pod ? "json" : "text";
  init_logging({.format = *parse_log_format(log_format), .debug = options.debug});
  spdlog::info("{} starting: {}", version_line(), describe(options));
  if (auto missing = unsupported_features(options); !missing.empty()) {
    for (const auto& m : missing) spdlog::error("not yet supported: {}", m);
    return 3;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a client that goes away must not kill us mid-write

  net::io_context io(1);
  // An API answer may be far larger than what a tool returns (JSON vs. a table), but not without
  // bound: 128 times the tool budget, at least 16 MiB (discovery of a large cluster fits).
  const auto answer_limit = std::max<std::size_t>(16 * 1024 * 1024, 128 * options.kube.max_response_bytes);
  // Metrics are fed from the seams: each cluster's transport observer, the tool middleware and
  // the HTTP middleware; they are served on a listener of their own.
  std::shared_ptr<telemetry::Metrics> metrics;
  if (options.telemetry.metrics(options.http.transport)) {
    metrics = std::make_shared<telemetry::Metrics>(
        telemetry::MetricsInfo{.version = version(), .transport = options.http.transport});
  }
  // Traces: a span per HTTP request, per MCP request and per Kubernetes request (TRACING_EXPORTER).
  const Getenv getenv_of_process = [](const char* name) -> const char* { return std::getenv(name); };
  auto made_tracing = make_tracing(options, getenv_of_process);
  if (!made_tracing) {
    spdlog::error("{}", made_tracing.error().message);
    return 2;
  }
  const std::unique_ptr<Tracing> tracing = std::move(*made_tracing);
  kube::ClientSource::Options source_options{
      .transport = {.qps = options.kube.qps_limit,
                    .burst = options.kube.burst_limit,
                    .max_response_bytes = answer_limit},
      .cache = {},
      .observer = kube::observe_all({metrics ? telemetry::api_metrics(metrics) : nullptr,
                                     tracing ? telemetry::api_tracing(tracing->tracer) : nullptr})};
  std::unique_ptr<kube::ClientSource> clients;
  if (options.kube.in_cluster) {
    // MCPK_SERVICEACCOUNT_DIR moves the service-account mount (tests, sidecars).
    const char* sa_dir = std::getenv("MCPK_SERVICEACCOUNT_DIR");
    auto cfg = kube::in_cluster_config(sa_dir && *sa_dir ? sa_dir : kube::kServiceAccountDir);
    if (!cfg) {
      spdlog::error("{}", cfg.error().message);
      return 2;
    }
    spdlog::info("in-cluster: API server {}, namespace {}", cfg->server, cfg->ns);
    clients = std::make_unique<kube::ClientSource>(io.get_executor(), std::move(*cfg), source_options);
  } else {
    // The kubeconfig is read once at start; clients connect lazily, so an unreachable context
    // never delays start-up or other contexts.
    auto kubeconfig = kube::load_kubeconfig(kube::default_loading_rules(options.kube.kubeconfig));
    if (!kubeconfig) {
      spdlog::error("{}", kubeconfig.error().message);
      return 2;
    }
    if (!options.kube.context.empty() && !kubeconfig->contexts.contains(options.kube.context)) {
      spdlog::error("--context: the kubeconfig has no context \"{}\"", options.kube.context);
      return 2;
    }
    if (kubeconfig->contexts.empty()) {
      spdlog::warn("no kubeconfig contexts found (KUBECONFIG / ~/.kube/config); tools will report it");
    }
    clients = std::make_unique<kube::ClientSource>(io.get_executor(), std::move(*kubeconfig), options.kube.context,
                                                   source_options);
  }
  // Federation: workload clusters through the management cluster's Cluster API objects.
  std::unique_ptr<federation::Federation> federation;
  if (options.capi.enable) {
    federation = make_federation(io.get_executor(), *clients, options.capi, source_options);
    spdlog::info("Cluster API federation on: {} mode, clients cached {} for at most {} (cluster, user) pairs",
                 options.capi.mode, format_duration(options.capi.cache_ttl.value), options.capi.cache_max_entries);
  }
  tools::ToolEnv env{.clients = clients.get(),
                     .federation = federation.get(),
                     .settings = std::make_shared<const tools::Settings>(tools::Settings{
                         .policy = policy::Policy(options.policy),
                         .max_response_bytes = static_cast<std::size_t>(options.kube.max_response_bytes),
                         .show_secret_values = options.kube.show_secret_values})};

  mcp::ServerOptions server_options;
  server_options.tool_timeout = options.kube.tool_timeout.value;
  server_options.visible = tools::policy_filter(env);
  server_options.middleware = {tools::audit_log(env), tools::policy_guard(env)};
  if (metrics) server_options.middleware.insert(server_options.middleware.begin(), telemetry::tool_metrics(metrics));
  if (tracing) server_options.request_middleware = telemetry::mcp_tracing(tracing->tracer);
  mcp::Server server(mcp::ServerInfo{.version = version(), .instructions = kInstructions}, server_options);
  tools::add_all_tools(server, env);
  spdlog::info("{} tools{}", server.visible_tools().size(),
               clients->in_cluster() ? std::string(" (in-cluster)")
                                     : fmt::format(", default context \"{}\"", clients->default_context()));

  int exit_code = 0;
  auto on_done = [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::critical("transport failed: {}", ex.what());
        exit_code = 1;
      }
    }
  };
  net::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<transport::StdioTransport> stdio;
  std::unique_ptr<transport::HttpServer> http;
  transport::Router router;
  std::shared_ptr<transport::StreamableEndpoint> endpoint;
  std::shared_ptr<auth::AuthServer> oauth;
  std::unique_ptr<MetricsOutput> metrics_output;
  if (metrics) {
    auto made = MetricsOutput::make(io, options, metrics, getenv_of_process);
    if (!made) {
      spdlog::error("{}", made.error().message);
      return 2;
    }
    metrics_output = std::move(*made);
    metrics->on_collect([&endpoint, &clients, &tracing](telemetry::Metrics::Snapshot& s) {
      s.sessions_open = endpoint ? endpoint->sessions() : 1;
      s.port_forwards = kube::PortForward::open_count();
      s.client_cache_entries = clients->cached_clients();
      const auto& cache = clients->cache_stats();
      s.client_cache_hits = cache.hits;
      s.client_cache_misses = cache.misses;
      s.client_cache_evictions = cache.evictions;
      if (tracing) {
        const auto spans = tracing->processor->stats();
        s.spans_exported = spans.exported;
        s.spans_dropped = spans.dropped;
        s.spans_failed = spans.failed;
      }
    });
    metrics_output->start(on_done);
  }
  if (options.http.transport == "streamable-http") {
    auto addr = transport::parse_listen_address(options.http.http_addr);
    endpoint = std::make_shared<transport::StreamableEndpoint>(
        io, server,
        transport::StreamableOptions{.disable_streaming = options.http.disable_streaming,
                                     .max_sessions = static_cast<std::size_t>(options.http.max_sessions),
                                     .session_idle_timeout = options.http.session_idle_timeout.value});
    auto health =
        std::make_shared<transport::Health>(io.get_executor(), [&clients]() { return cluster_reachable(*clients); });
    if (tracing) router.use(telemetry::http_tracing(tracing->tracer, {"/healthz", "/readyz"}));
    if (metrics) router.use(telemetry::http_metrics(metrics));
    std::vector<transport::Middleware> mcp_chain{transport::origin_guard(options.http.allowed_origins)};
    if (options.oauth.enable) {
      auto made = make_auth_server(io.get_executor(), options);
      if (!made) {
        spdlog::error("{}", made.error().message);
        return 2;
      }
      oauth = std::move(*made);
      oauth->add_routes(router);
      mcp_chain.push_back(oauth->authenticate());
    } else if (auto test_caller = test_caller_middleware()) {
      mcp_chain.push_back(std::move(*test_caller));
    }
    router.add(options.http.http_endpoint, endpoint->handler(), std::move(mcp_chain));
    router.add("/healthz", health->healthz());
    router.add("/readyz", health->readyz());
    http = std::make_unique<transport::HttpServer>(
        io, router,
        transport::HttpServerOptions{.address = addr->first,
                                     .port = addr->second,
                                     .max_body_bytes = static_cast<std::size_t>(options.http.max_request_size),
                                     .tls_cert_file = options.http.tls_cert_file,
                                     .tls_key_file = options.http.tls_key_file,
                                     .shutdown_timeout = options.http.shutdown_timeout.value});
    http->drain_on_stop(endpoint);
    http->drain_on_stop(health);
    if (auto ok = http->listen(); !ok) {
      spdlog::error("{}", ok.error().message);
      return 2;
    }
    spdlog::info("streamable HTTP{} on {}:{}{} (and /healthz, /readyz)", http->tls() ? "S" : "", addr->first,
                 http->port(), options.http.http_endpoint);
    if (!loopback(addr->first) && !oauth) {
      spdlog::warn(
          "listening on {} (beyond loopback) without authentication: anyone who reaches this port acts "
          "with this server's Kubernetes credentials; bind --http-addr 127.0.0.1:{} or enable OAuth",
          addr->first, http->port());
    }
    endpoint->start();
    net::co_spawn(io, http->run(), on_done);
  } else {
    stdio = std::make_unique<transport::StdioTransport>(
        io, server,
        transport::StdioOptions{.max_message_bytes = static_cast<std::size_t>(options.http.max_request_size)});
    net::co_spawn(io, stdio->run(), [&](std::exception_ptr e) {
      on_done(e);
      signals.cancel();
      if (metrics_output) metrics_output->stop();  // end of input ends the process
    });
  }
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down", sig);
    if (stdio) stdio->stop();
    if (http) http->stop();
    if (metrics_output) metrics_output->stop();
  });
  if (tracing) tracing->run();
  io.run();
  if (tracing) tracing->stop();  // after the last call: its spans go out too
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace mcpk::app
