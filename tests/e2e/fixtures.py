"""Objects the e2e tests read, created once per test session with kubectl (not with our tools)."""
import json

import pytest

NAMESPACE = "e2e-read"
PAGING_NS = "e2e-paging"
PAGING_COUNT = 1500

MANIFESTS = f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {NAMESPACE}}}
---
apiVersion: v1
kind: Namespace
metadata: {{name: {PAGING_NS}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: multi
  namespace: {NAMESPACE}
  labels: {{app: multi, tier: web}}
  annotations: {{kubectl.kubernetes.io/default-container: sidecar}}
spec:
  containers:
  - {{name: main, image: nginx:1.27}}
  - {{name: sidecar, image: busybox:1.36}}
---
apiVersion: v1
kind: Pod
metadata: {{name: single, namespace: {NAMESPACE}, labels: {{app: single}}}}
spec:
  containers:
  - {{name: app, image: busybox:1.36, env: [{{name: A, value: "1"}}]}}
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {NAMESPACE}}}
type: Opaque
stringData: {{password: hunter2-very-secret, username: admin-user}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {NAMESPACE}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx:1.27}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {NAMESPACE}}}
spec:
  selector: {{app: web}}
  ports:
  - {{name: http, port: 8080, targetPort: 80}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.e2e.mcpk.io}}
spec:
  group: e2e.mcpk.io
  scope: Namespaced
  names: {{kind: Widget, plural: widgets, singular: widget, shortNames: [wdg], listKind: WidgetList}}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {{}}
      scale: {{specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}}
    additionalPrinterColumns:
    - {{name: Size, type: string, jsonPath: .spec.size}}
    - {{name: Age, type: date, jsonPath: .metadata.creationTimestamp}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {{type: string}}
              replicas: {{type: integer}}
          status:
            type: object
            properties:
              replicas: {{type: integer}}
"""


def configmaps(count):
    items = [{"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": f"cm-{i:05d}", "namespace": PAGING_NS, "labels": {"batch": "paging"}},
              "data": {"index": str(i)}} for i in range(count)]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


@pytest.fixture(scope="session")
def objects(cluster):
    """Creates the shared objects once; returns a small description of them."""
    cluster.kubectl("apply", "-f", "-", input=MANIFESTS, timeout=120)
    cluster.kubectl("wait", "--for=condition=Established", "crd/widgets.e2e.mcpk.io", "--timeout=60s")
    cluster.kubectl("apply", "-f", "-", input="""
apiVersion: e2e.mcpk.io/v1
kind: Widget
metadata: {name: gizmo, namespace: e2e-read}
spec: {size: large, replicas: 1}
""")
    existing = cluster.kubectl("get", "configmaps", "-n", PAGING_NS, "-l", "batch=paging", "-o", "name").stdout
    if len(existing.split()) < PAGING_COUNT:
        cluster.kubectl("apply", "--server-side", "-f", "-", input=configmaps(PAGING_COUNT), timeout=600)
    cluster.kubectl("wait", "--for=condition=Ready", "pod/multi", "pod/single", "-n", NAMESPACE, "--timeout=60s")
    cluster.kubectl("rollout", "status", "deployment/web", "-n", NAMESPACE, "--timeout=60s")
    cluster.kubectl("wait", "--for=jsonpath={.endpoints[0].conditions.ready}=true", "endpointslices",
                    "-l", "kubernetes.io/service-name=web", "-n", NAMESPACE, "--timeout=60s")
    return {"namespace": NAMESPACE, "paging_ns": PAGING_NS, "paging_count": PAGING_COUNT}
