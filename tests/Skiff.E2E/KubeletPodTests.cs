using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The node agent running real containers through containerd, seen through the real kubectl: pods run with their own
/// IP, restart with CrashLoopBackOff, are OOM-killed by their memory limit, report image and command errors, and stop
/// gracefully with their preStop hook when deleted.
/// </summary>
public sealed class KubeletPodTests(NodeServerFixture fixture) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    [Fact]
    public async Task Kubectl_run_web_server_is_Running_with_a_pod_ip_and_answers_http_from_the_node()
    {
        await K.OkAsync("run", "web", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "httpd", "-f", "-p", "8080", "-h", "/etc");
        string[] row = [];
        await _node.EventuallyAsync(async () =>
        {
            var wide = await K.RunAsync("get", "pod", "web", "-o", "wide", "--no-headers");
            row = wide.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return row.Length > 6 && row[1] == "1/1" && row[2] == "Running";
        }, "web to be Running 1/1");

        var ip = row[5];
        Assert.StartsWith("10.42.", ip);
        Assert.Equal(NodeServer.NodeName, row[6]);

        var (code, output) = await _node.InNetnsAsync("timeout", "10", "busybox", "wget", "-qO-", $"http://{ip}:8080/passwd");
        Assert.True(code == 0, output);
        Assert.Contains("root:x:0:0", output);
        Assert.Equal("True", await _node.PodFieldAsync("web", "{.status.conditions[?(@.type==\"Ready\")].status}"));
        Assert.Equal("BestEffort", await _node.PodFieldAsync("web", "{.status.qosClass}"));
    }

    [Fact]
    public async Task Crashing_command_goes_to_CrashLoopBackOff_with_restarts_growing_and_its_output_in_logs_previous()
    {
        await K.OkAsync("run", "crash", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sh", "-c", "echo dying now; exit 3");
        // CrashLoopBackOff is a state the pod passes through between restarts: read what kubectl shows within one
        // observation so a restart between two reads cannot make the test fail.
        await _node.EventuallyAsync(async () =>
        {
            var reason = await _node.PodFieldAsync("crash", "{.status.containerStatuses[0].state.waiting.reason}");
            var restarts = int.TryParse(await _node.PodFieldAsync("crash", "{.status.containerStatuses[0].restartCount}"), out var n) ? n : 0;
            if (reason != "CrashLoopBackOff" || restarts < 2)
            {
                return false;
            }

            var table = await K.OkAsync("get", "pod", "crash", "--no-headers");
            var message = await _node.PodFieldAsync("crash", "{.status.containerStatuses[0].state.waiting.message}");
            return table.Contains("CrashLoopBackOff", StringComparison.Ordinal) && message.Contains("back-off", StringComparison.Ordinal);
        }, "CrashLoopBackOff with 2 restarts, shown by kubectl get", 180);

        Assert.Equal("3", await _node.PodFieldAsync("crash", "{.status.containerStatuses[0].lastState.terminated.exitCode}"));
        Assert.Equal("Error", await _node.PodFieldAsync("crash", "{.status.containerStatuses[0].lastState.terminated.reason}"));
        Assert.Contains("dying now", await K.OkAsync("logs", "crash", "--previous"));
    }

    [Fact]
    public async Task Killing_the_container_process_restarts_it_and_counts_a_restart()
    {
        await K.OkAsync("run", "victim", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sleep", "3600");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("victim", "{.status.phase}") == "Running", "victim Running");
        var uid = await _node.PodFieldAsync("victim", "{.metadata.uid}");
        var containerId = (await _node.PodFieldAsync("victim", "{.status.containerStatuses[0].containerID}")).Replace("containerd://", "");

        // The container's processes are in its own cgroup under the pod's: kill them as an OOM killer or a crash would.
        var procs = Directory.EnumerateFiles("/sys/fs/cgroup/pids", "cgroup.procs", SearchOption.AllDirectories)
            .Where(f => f.Contains("pod" + uid, StringComparison.Ordinal) && f.Contains(containerId, StringComparison.Ordinal))
            .SelectMany(f => File.ReadAllLines(f)).Select(int.Parse).ToList();
        Assert.NotEmpty(procs);
        foreach (var pid in procs)
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }

        await _node.EventuallyAsync(async () =>
            await _node.PodFieldAsync("victim", "{.status.containerStatuses[0].restartCount}") == "1"
            && await _node.PodFieldAsync("victim", "{.status.containerStatuses[0].state.running.startedAt}") != "", "a restart after the kill");
        Assert.Equal("137", await _node.PodFieldAsync("victim", "{.status.containerStatuses[0].lastState.terminated.exitCode}"));
        Assert.NotEqual(containerId, (await _node.PodFieldAsync("victim", "{.status.containerStatuses[0].containerID}")).Replace("containerd://", ""));
    }

    [Fact]
    public async Task Memory_limit_of_32Mi_OOM_kills_dd_into_memory()
    {
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: oom}
            spec:
              restartPolicy: Never
              containers:
              - name: dd
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]
                resources:
                  limits:
                    memory: 32Mi
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("oom", "{.status.phase}") == "Failed", "oom to fail");
        Assert.Equal("OOMKilled", await _node.PodFieldAsync("oom", "{.status.containerStatuses[0].state.terminated.reason}"));
        Assert.Equal("137", await _node.PodFieldAsync("oom", "{.status.containerStatuses[0].state.terminated.exitCode}"));
        Assert.Contains("OOMKilled", await K.OkAsync("get", "pod", "oom"));
        Assert.Equal("Burstable", await _node.PodFieldAsync("oom", "{.status.qosClass}"));
    }

    [Fact]
    public async Task Missing_image_reports_ErrImagePull_then_ImagePullBackOff_with_the_registry_reason()
    {
        await K.OkAsync("run", "noimage", "--image=localhost:1/nosuch:1");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("noimage", "{.status.containerStatuses[0].state.waiting.reason}") is "ImagePullBackOff", "ImagePullBackOff");
        var message = await _node.PodFieldAsync("noimage", "{.status.containerStatuses[0].state.waiting.message}");
        Assert.Contains("localhost:1/nosuch:1", message);
        Assert.Contains("connection refused", message);
        Assert.Equal("Pending", await _node.PodFieldAsync("noimage", "{.status.phase}"));
    }

    [Fact]
    public async Task Image_not_present_with_pull_policy_Never_is_ErrImageNeverPull()
    {
        await K.OkAsync("run", "neverpull", "--image=skiff.local/absent:1", "--image-pull-policy=Never");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("neverpull", "{.status.containerStatuses[0].state.waiting.reason}") == "ErrImageNeverPull", "ErrImageNeverPull");
        Assert.Equal("Container image \"skiff.local/absent:1\" is not present with pull policy of Never", await _node.PodFieldAsync("neverpull", "{.status.containerStatuses[0].state.waiting.message}"));
    }

    [Fact]
    public async Task Missing_command_gives_a_clear_container_error()
    {
        await K.OkAsync("run", "nocmd", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--restart=Never", "--command", "--", "/no/such/command");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("nocmd", "{.status.phase}") == "Failed", "nocmd to fail");
        Assert.Equal("StartError", await _node.PodFieldAsync("nocmd", "{.status.containerStatuses[0].state.terminated.reason}"));
        Assert.Contains("/no/such/command", await _node.PodFieldAsync("nocmd", "{.status.containerStatuses[0].state.terminated.message}"));
        Assert.Equal("128", await _node.PodFieldAsync("nocmd", "{.status.containerStatuses[0].state.terminated.exitCode}"));
    }

    [Fact]
    public async Task Kubectl_logs_tail_since_timestamps_container_and_all_containers()
    {
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: talker}
            spec:
              containers:
              - name: one
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "for i in 1 2 3 4 5; do echo one-$i; done; sleep 3600"]
              - name: two
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo two-only; sleep 3600"]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", "talker", "-c", "one")).Stdout.Contains("one-5", StringComparison.Ordinal), "talker's output");

        Assert.Equal("one-1\none-2\none-3\none-4\none-5\n", await K.OkAsync("logs", "talker", "-c", "one"));
        Assert.Equal("one-4\none-5\n", await K.OkAsync("logs", "talker", "-c", "one", "--tail=2"));
        Assert.Equal("two-only\n", await K.OkAsync("logs", "talker", "-c", "two"));
        var stamped = await K.OkAsync("logs", "talker", "-c", "two", "--timestamps");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z two-only\n$", stamped);
        var all = await K.OkAsync("logs", "talker", "--all-containers");
        Assert.Contains("one-3", all);
        Assert.Contains("two-only", all);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("", await K.OkAsync("logs", "talker", "-c", "two", "--since=2s"));
        Assert.Equal("two-only\n", await K.OkAsync("logs", "talker", "-c", "two", "--since=1h"));

        var bad = await K.RunAsync("logs", "talker", "-c", "nope");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("container nope is not valid for pod talker", bad.Stderr);
    }

    [Fact]
    public async Task Kubectl_logs_follow_streams_new_lines()
    {
        await K.OkAsync("run", "ticker", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", "ticker")).Stdout.Contains("tick-0", StringComparison.Ordinal), "ticker output");
        await using var follow = await K.StartAsync("logs", "-f", "ticker", "--tail=1");

        // --tail=1 shows one old line; three more lines can only come from following the file as it grows.
        await follow.WaitForOutputAsync(@"(tick-\d+\n){4}");
        Assert.DoesNotContain("tick-0\n", follow.Output.Split('\n', 2)[1]);
    }

    [Fact]
    public async Task Deleting_a_pod_runs_preStop_and_sends_SIGTERM_within_the_grace_period()
    {
        var marker = Path.Combine(_node.DataDir, "marks-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(marker);
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: graceful}
            spec:
              terminationGracePeriodSeconds: 30
              volumes:
              - name: marks
                hostPath:
                  path: "{{marker}}"
                  type: Directory
              containers:
              - name: main
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "trap 'echo term > /marks/term; exit 0' TERM; while true; do sleep 1; done"]
                volumeMounts: [{name: marks, mountPath: /marks}]
                lifecycle:
                  preStop:
                    exec:
                      command: ["sh", "-c", "echo prestop > /marks/prestop"]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("graceful", "{.status.containerStatuses[0].ready}") == "true", "graceful ready");

        await K.OkAsync("delete", "pod", "graceful", "--timeout=60s");
        Assert.Equal("prestop\n", File.ReadAllText(Path.Combine(marker, "prestop")));
        Assert.Equal("term\n", File.ReadAllText(Path.Combine(marker, "term")));
        var gone = await K.RunAsync("get", "pod", "graceful");
        Assert.Contains("NotFound", gone.Stderr);
    }

    [Fact]
    public async Task Pod_sees_its_env_and_configmap_files_and_probes_drive_ready_and_restarts()
    {
        await K.OkAsync("create", "configmap", "settings", "--from-literal=greeting=hello-from-configmap");
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: probed}
            spec:
              volumes:
              - name: cfg
                configMap:
                  name: settings
              containers:
              - name: app
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo env=$GREETING pod=$POD_NAME; cat /cfg/greeting; echo; sleep 3600"]
                env:
                - name: GREETING
                  valueFrom:
                    configMapKeyRef: {name: settings, key: greeting}
                - name: POD_NAME
                  valueFrom:
                    fieldRef: {fieldPath: metadata.name}
                volumeMounts:
                - name: cfg
                  mountPath: /cfg
                readinessProbe:
                  exec:
                    command: ["cat", "/tmp/ready"]
                  periodSeconds: 1
                livenessProbe:
                  exec:
                    command: ["cat", "/cfg/greeting"]
                  periodSeconds: 1
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", "probed")).Stdout.Contains("hello-from-configmap\n", StringComparison.Ordinal), "probed output");
        Assert.Equal("env=hello-from-configmap pod=probed\nhello-from-configmap\n", await K.OkAsync("logs", "probed"));

        // No /tmp/ready: running but not ready.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("Running", await _node.PodFieldAsync("probed", "{.status.phase}"));
        Assert.Equal("false", await _node.PodFieldAsync("probed", "{.status.containerStatuses[0].ready}"));
        Assert.Contains("0/1", await K.OkAsync("get", "pod", "probed", "--no-headers"));
    }

    [Fact]
    public async Task Failing_liveness_probe_restarts_the_container()
    {
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: unhealthy}
            spec:
              containers:
              - name: app
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sleep", "3600"]
                livenessProbe:
                  exec:
                    command: ["cat", "/no/such/file"]
                  periodSeconds: 1
                  failureThreshold: 2
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () =>
            int.TryParse(await _node.PodFieldAsync("unhealthy", "{.status.containerStatuses[0].restartCount}"), out var n) && n >= 1, "a liveness restart", 120);
        var events = await K.OkAsync("get", "events", "--field-selector", "involvedObject.name=unhealthy");
        Assert.Contains("Liveness probe failed", events);
    }
}
