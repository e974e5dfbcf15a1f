using System.Text.RegularExpressions;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>Every built-in resource of the foundation through kubectl: create, get (table, wide, yaml), describe, replace, delete.</summary>
public sealed class ResourceKindsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Ns = "e2e-kinds";

    /// <summary>kind → (kubectl resource name, namespaced, object name, expected header regex).</summary>
    public static readonly (string Resource, bool Namespaced, string Name, string Header)[] Kinds =
    [
        ("configmaps", true, "cm1", @"^NAME\s+DATA\s+AGE$"),
        ("secrets", true, "secret1", @"^NAME\s+TYPE\s+DATA\s+AGE$"),
        ("serviceaccounts", true, "sa1", @"^NAME\s+SECRETS\s+AGE$"),
        ("pods", true, "pod1", @"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$"),
        ("services", true, "svc1", @"^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$"),
        ("endpoints", true, "ep1", @"^NAME\s+ENDPOINTS\s+AGE$"),
        ("replicationcontrollers", true, "rc1", @"^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$"),
        ("resourcequotas", true, "quota1", @"^NAME\s+REQUEST\s+LIMIT\s+AGE$"),
        ("limitranges", true, "limits1", @"^NAME\s+CREATED AT$"),
        ("persistentvolumes", false, "pv-e2e-kinds", @"^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$"),
        ("persistentvolumeclaims", true, "pvc1", @"^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$"),
        ("podtemplates", true, "pt1", @"^NAME\s+CONTAINERS\s+IMAGES\s+POD LABELS$"),
        ("nodes", false, "node-e2e-kinds", @"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$"),
        ("events", true, "ev1", @"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$"),
        ("deployments", true, "deploy1", @"^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$"),
        ("replicasets", true, "rs1", @"^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$"),
        ("daemonsets", true, "ds1", @"^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$"),
        ("statefulsets", true, "sts1", @"^NAME\s+READY\s+AGE$"),
        ("controllerrevisions", true, "cr1", @"^NAME\s+CONTROLLER\s+REVISION\s+AGE$"),
        ("jobs", true, "job1", @"^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$"),
        ("cronjobs", true, "cj1", @"^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$"),
        ("horizontalpodautoscalers", true, "hpa1", @"^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$"),
        ("ingressclasses", false, "ic-e2e-kinds", @"^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE$"),
        ("ingresses", true, "ing1", @"^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$"),
        ("networkpolicies", true, "np1", @"^NAME\s+POD-SELECTOR\s+AGE$"),
        ("roles", true, "role1", @"^NAME\s+CREATED AT$"),
        ("clusterroles", false, "cr-e2e-kinds", @"^NAME\s+CREATED AT$"),
        ("rolebindings", true, "rb1", @"^NAME\s+ROLE\s+AGE$"),
        ("clusterrolebindings", false, "crb-e2e-kinds", @"^NAME\s+ROLE\s+AGE$"),
        ("leases", true, "lease1", @"^NAME\s+HOLDER\s+AGE$"),
        ("endpointslices", true, "eps1", @"^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$"),
        ("poddisruptionbudgets", true, "pdb1", @"^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$"),
        ("priorityclasses", false, "pc-e2e-kinds", @"^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$"),
        ("storageclasses", false, "sc-e2e-kinds", @"^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$"),
    ];

    [Fact]
    public async Task EveryKind_CreateGetDescribeReplaceDelete()
    {
        var k = fixture.Kubectl();
        var created = await k.OkAsync("create", "-f", ManifestFiles.Path("all-kinds.yaml"));
        Assert.Contains("namespace/e2e-kinds created", created);
        Assert.Contains("deployment.apps/deploy1 created", created);

        var failures = new List<string>();
        foreach (var (resource, namespaced, name, header) in Kinds)
        {
            string[] nsArgs = namespaced ? ["-n", Ns] : [];
            var get = await k.RunAsync(["get", resource, name, .. nsArgs]);
            if (get.ExitCode != 0)
            {
                failures.Add($"get {resource}: {get.Stderr}");
                continue;
            }

            var lines = get.Stdout.TrimEnd().Split('\n');
            if (!Regex.IsMatch(lines[0].TrimEnd(), header))
            {
                failures.Add($"get {resource}: header '{lines[0].TrimEnd()}' does not match /{header}/");
            }

            if (lines.Length != 2 || (resource != "events" && !lines[1].StartsWith(name, StringComparison.Ordinal)))
            {
                failures.Add($"get {resource}: unexpected rows:\n{get.Stdout}");
            }

            var yaml = await k.RunAsync(["get", resource, name, "-o", "yaml", .. nsArgs]);
            if (yaml.ExitCode != 0 || !yaml.Stdout.Contains($"name: {name}", StringComparison.Ordinal) || !yaml.Stdout.Contains("resourceVersion:", StringComparison.Ordinal))
            {
                failures.Add($"get -o yaml {resource}: {yaml.Stderr}{yaml.Stdout}");
                continue;
            }

            var describe = await k.RunAsync(["describe", resource, name, .. nsArgs]);
            if (describe.ExitCode != 0 || !describe.Stdout.Contains(name, StringComparison.Ordinal))
            {
                failures.Add($"describe {resource}: {describe.Stderr}");
            }

            // replace: the object as read, with a new label, written back with PUT. Controllers (the scheduler marking a
            // pod unschedulable) may write in between; like a user, read again and retry on 409 Conflict.
            KubectlResult replace = null!;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var json = await k.RunAsync(["get", resource, name, "-o", "json", .. nsArgs]);
                var node = System.Text.Json.Nodes.JsonNode.Parse(json.Stdout)!;
                var meta = node["metadata"]!.AsObject();
                var labelsNode = meta["labels"] as System.Text.Json.Nodes.JsonObject ?? new System.Text.Json.Nodes.JsonObject();
                labelsNode["replaced"] = "yes";
                meta["labels"] = labelsNode;
                replace = await k.RunWithInputAsync(node.ToJsonString(), ["replace", "-f", "-"]);
                if (replace.ExitCode == 0 || !replace.Stderr.Contains("Conflict", StringComparison.Ordinal))
                {
                    break;
                }
            }

            if (replace.ExitCode != 0)
            {
                failures.Add($"replace {resource}: {replace.Stderr}");
                continue;
            }

            var labels = await k.RunAsync(["get", resource, name, "-L", "replaced", .. nsArgs]);
            if (!Regex.IsMatch(labels.Stdout, @"\byes\s*$", RegexOptions.Multiline))
            {
                failures.Add($"label after replace {resource}:\n{labels.Stdout}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));

        var all = await k.OkAsync("get", "all", "-n", Ns);
        foreach (var expected in new[] { "pod/pod1", "service/svc1", "replicationcontroller/rc1", "deployment.apps/deploy1", "replicaset.apps/rs1", "daemonset.apps/ds1", "statefulset.apps/sts1", "job.batch/job1", "cronjob.batch/cj1", "horizontalpodautoscaler.autoscaling/hpa1" })
        {
            Assert.Contains(expected, all);
        }

        var wide = await k.OkAsync("get", "pods", "-n", Ns, "-o", "wide");
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES", wide);
        Assert.Matches(@"pod1\s+0/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>", wide);
        Assert.Matches(@"app=demo", await k.OkAsync("get", "pods", "-n", Ns, "--show-labels"));
        Assert.Matches(@"(?m)^e2e-kinds\s+pod1\s", await k.OkAsync("get", "pods", "-A"));
        // describe finds a pod's events by involvedObject name, namespace, kind and uid (field selectors).
        var uid = (await k.OkAsync("get", "pod", "pod1", "-n", Ns, "-o", "jsonpath={.metadata.uid}")).Trim();
        await k.OkWithInputAsync(
            $$$"""{"apiVersion":"v1","kind":"Event","metadata":{"name":"pod1-event","namespace":"{{{Ns}}}"},"involvedObject":{"kind":"Pod","name":"pod1","namespace":"{{{Ns}}}","uid":"{{{uid}}}","apiVersion":"v1"},"reason":"Pulled","message":"an event for describe","type":"Normal","source":{"component":"e2e"},"count":1,"firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:00:00Z"}""",
            "create", "-f", "-");
        var described = await k.OkAsync("describe", "pod", "pod1", "-n", Ns);
        Assert.Matches(@"Normal\s+Pulled\s+.*e2e\s+an event for describe", described);

        // The namespace goes first and the namespace controller empties it concurrently, so kubectl may find some
        // objects already gone (as it can against Kubernetes): the loop below checks that everything is gone.
        var deleted = await k.OkAsync("delete", "-f", ManifestFiles.Path("all-kinds.yaml"), "--wait=false", "--ignore-not-found");
        Assert.Contains($"namespace \"{Ns}\" deleted", deleted);
        foreach (var (resource, namespaced, name, _) in Kinds.Where(x => x.Resource != "events"))
        {
            string[] nsArgs = namespaced ? ["-n", Ns] : [];
            var after = await k.RunAsync(["get", resource, name, .. nsArgs]);
            Assert.True(after.ExitCode != 0, $"{resource}/{name} still exists after delete:\n{after.Stdout}");
        }
    }

    [Theory]
    [InlineData("1.27")]
    [InlineData("1.28")]
    public async Task OldKubectl_WithoutValidation_CreatesAndLists(string version)
    {
        var k = fixture.Kubectl(version);
        var ns = "old-" + version.Replace(".", "-");
        await k.OkAsync("create", "namespace", ns);
        var manifest = $"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers: [{{name: web, image: nginx}}]\n";
        Assert.Contains("deployment.apps/web created", await k.OkWithInputAsync(manifest, "apply", "-f", "-", "--validate=false"));
        // UP-TO-DATE is 0 or 1 depending on whether the deployment controller has written status yet; no pod runs.
        Assert.Matches(@"web\s+0/1\s+[01]\s+0\s+\d+s", await k.OkAsync("get", "deploy", "-n", ns));
    }
}
