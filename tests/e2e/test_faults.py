"""Faults a real API server does not produce, from a loopback fake of our own (TLS, with the
test cluster's serving certificate): a huge answer that ignores `limit`. The real test cluster
stays the judge of everything else."""
import contextlib
import http.server
import socket
import struct
import json
import ssl
import threading
import time

from conftest import BIN
from test_auth import tls_variant
from test_protocol import Raw

DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {"kind": "APIGroupList", "groups": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "verbs": ["get", "list"]},
        {"name": "configmaps", "singularName": "configmap", "namespaced": True, "kind": "ConfigMap",
         "verbs": ["get", "list"]}]},
}


class FakeApiServer:
    """Discovery for pods and configmaps; GET of pods answers `huge_bytes` of PodList whatever
    the limit, configmaps a small list."""

    def __init__(self, cluster, huge_bytes=1000, stall=(), slow_groups=0, pods=None):
        pod = json.dumps({"metadata": {"name": "p" * 40, "namespace": "default"}, "spec": {}}).encode()
        count = huge_bytes // (len(pod) + 1)
        self.huge = b'{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[' + b",".join([pod] * count) + b"]}"

        fake = self
        self.storm_hits = 0
        self.traceparents = []  # (path, the traceparent header) of every GET

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                fake.traceparents.append((path, self.headers.get("traceparent")))
                if path in stall:
                    time.sleep(5)  # longer than the tests' --tool-timeout
                if path == "/apis" and slow_groups:
                    body = json.dumps({"kind": "APIGroupList", "groups": [
                        {"name": f"g{i}.example.com", "versions": [{"groupVersion": f"g{i}.example.com/v1",
                                                                    "version": "v1"}],
                         "preferredVersion": {"version": "v1"}} for i in range(slow_groups)]}).encode()
                elif path.startswith("/apis/g"):
                    time.sleep(0.3)  # each group's document is slow
                    group = path.split("/")[2]
                    body = json.dumps({"kind": "APIResourceList", "groupVersion": f"{group}/v1", "resources": [
                        {"name": "widgets", "singularName": "widget", "namespaced": True, "kind": "Widget",
                         "verbs": ["get", "list"]}]}).encode()
                elif path in DISCOVERY:
                    body = json.dumps(DISCOVERY[path]).encode()
                elif path.endswith("/pods") and pods == "truncated":
                    # Promises 1000 bytes, sends 10, and hangs up.
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b'{"kind":"P')
                    self.close_connection = True
                    return
                elif path.endswith("/pods") and pods == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()  # RST
                    self.close_connection = True
                    return
                elif path.endswith("/pods") and pods == "stall_mid":
                    # Headers and the first bytes of a chunked list, then nothing: a TLS stream
                    # that stalls mid-answer.
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    first = b'{"kind":"PodList","items":['
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
                    self.wfile.flush()
                    time.sleep(5)
                    self.close_connection = True
                    return
                elif path.endswith("/pods") and pods == "storm":
                    fake.storm_hits += 1
                    body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests",' \
                           b'"message":"the server has received too many requests","code":429}'
                    self.send_response(429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                elif path.endswith("/pods") and pods == "invalid":
                    body = b'{"kind":"PodList","items":[{"metadata":'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                elif path.endswith("/pods"):
                    body = fake.huge
                else:
                    body = b'{"kind":"ConfigMapList","apiVersion":"v1","metadata":{},"items":[]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                # Chunked, as the API server streams a large list: the size is not known up front.
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for i in range(0, len(body), 1 << 20):
                        chunk = body[i:i + (1 << 20)]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client stopped reading: that is the point

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cluster.dir / "pki" / "apiserver.crt", cluster.dir / "pki" / "apiserver.key")
        self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()


@contextlib.contextmanager
def served_by(cluster, tmp_path, *flags, env=None, **fake_options):
    """The server (stdio, initialized) with a fake API server as its cluster."""
    fake = FakeApiServer(cluster, **fake_options)
    s = None
    try:
        s = Raw(tls_variant(cluster, tmp_path, server=fake.url), *flags, env=env)
        s.fake = fake
        s.initialize()
        yield s
    finally:
        if s:
            s.close()
        fake.close()


def list_call(s, id_, resource):
    return s.request(id_, "tools/call", {"name": "k8s_list_resources",
                                         "arguments": {"resourceType": resource, "namespace": "default"}})


def peak_rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0


def test_a_100_mb_answer_is_cut_off_with_a_clear_error_and_bounded_memory(cluster, tmp_path):
    fake = FakeApiServer(cluster, 100 * 1024 * 1024)
    s = None
    try:
        kc = tls_variant(cluster, tmp_path, server=fake.url)
        s = Raw(kc)
        s.initialize()
        t0 = time.monotonic()
        r = s.request(1, "tools/call", {"name": "k8s_list_resources",
                                        "arguments": {"resourceType": "pods", "namespace": "default"}})
        took = time.monotonic() - t0
        text = r["result"]["content"][0]["text"]
        assert r["result"]["isError"] and "larger than 16 MiB" in text and "narrow the request" in text, text
        assert took < 10, f"took {took:.1f}s"
        peak = peak_rss_mb(s.p.pid)
        print(f"100 MB answer: refused after {took:.2f} s, peak RSS {peak:.0f} MB")
        # Under AddressSanitizer freed memory waits in its quarantine (256 MB by default) before
        # reuse, so the same run peaks higher there.
        assert peak < (400 if "build-asan" in BIN else 300), f"peak RSS {peak:.0f} MB"
        # The server goes on serving, and a small answer works.
        r = s.request(2, "tools/call", {"name": "k8s_list_resources",
                                        "arguments": {"resourceType": "configmaps", "namespace": "default"}})
        assert not r["result"]["isError"], r
    finally:
        if s:
            s.close()
        fake.close()


def test_a_timeout_names_the_stage_it_stopped_in(cluster, tmp_path):
    for stall, stage in (("/api/v1/namespaces/default/pods", "waiting for the answer of the API server"),
                         ("/api", "loading the API discovery")):
        with served_by(cluster, tmp_path, "--tool-timeout=1s", stall=(stall,)) as s:
            t0 = time.monotonic()
            r = list_call(s, 1, "pods")
            text = r["result"]["content"][0]["text"]
            assert time.monotonic() - t0 < 3
            assert r["result"]["isError"] and "within 1s (--tool-timeout)" in text and stage in text, text


def test_legacy_discovery_documents_are_fetched_in_parallel(cluster, tmp_path):
    # 16 API groups whose documents take 0.3 s each: one after another that was 4.8 s.
    with served_by(cluster, tmp_path, "--tool-timeout=20s", slow_groups=16) as s:
        t0 = time.monotonic()
        r = list_call(s, 1, "widgets.g15.example.com")
        took = time.monotonic() - t0
        assert took < 2, f"discovery took {took:.1f}s"
        assert not r["result"]["isError"], r  # the type was found in the last group


def test_truncated_reset_and_invalid_answers_are_clear_errors_and_the_server_recovers(cluster, tmp_path):
    for kind, expect in (("truncated", "cannot reach the API server"), ("reset", "cannot reach the API server"),
                         ("invalid", "invalid JSON")):
        with served_by(cluster, tmp_path, "--tool-timeout=10s", pods=kind) as s:
            t0 = time.monotonic()
            r = list_call(s, 1, "pods")
            text = r["result"]["content"][0]["text"]
            assert time.monotonic() - t0 < 3, kind
            assert r["result"]["isError"] and expect in text, (kind, text)
            r = list_call(s, 2, "configmaps")
            assert not r["result"]["isError"], (kind, r)  # the next call works


def test_an_answer_that_stalls_mid_stream_times_out_naming_the_stage_and_the_next_call_works(cluster, tmp_path):
    with served_by(cluster, tmp_path, "--tool-timeout=1s", pods="stall_mid") as s:
        t0 = time.monotonic()
        r = list_call(s, 1, "pods")
        text = r["result"]["content"][0]["text"]
        assert time.monotonic() - t0 < 3
        assert r["result"]["isError"] and "within 1s (--tool-timeout)" in text, text
        assert "waiting for the answer of the API server" in text, text
        r = list_call(s, 2, "configmaps")  # the stalled connection is never reused
        assert not r["result"]["isError"], r


def test_a_429_storm_is_retried_a_bounded_number_of_times_then_reported(cluster, tmp_path):
    with served_by(cluster, tmp_path, "--tool-timeout=10s", pods="storm") as s:
        t0 = time.monotonic()
        r = list_call(s, 1, "pods")
        took = time.monotonic() - t0
        text = r["result"]["content"][0]["text"]
        assert r["result"]["isError"] and "too many requests" in text.lower(), text
        assert took < 3, took
        assert s.fake.storm_hits == 4  # the request and 3 retries (Retry-After: 0), no more
        r = list_call(s, 2, "configmaps")
        assert not r["result"]["isError"], r
