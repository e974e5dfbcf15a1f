using System.Diagnostics;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Pulling from a private registry: Debian's docker-registry with htpasswd authentication runs on 127.0.0.1:5000
/// inside the node's own network namespace (nothing is reachable from outside it), holding the test image pushed
/// with skopeo. A pod without credentials gets ErrImagePull/ImagePullBackOff with the registry's reason; with an
/// imagePullSecret made by `kubectl create secret docker-registry` it runs (even while the other pod of the same image
/// is in back-off: the back-off is per pod and image, as kubelet's).
/// </summary>
public sealed class ImagePullTests(ImagePullTests.RegistryFixture fixture) : IClassFixture<ImagePullTests.RegistryFixture>
{
    private const string User = "puller";
    private const string Password = "s3cret-pull";
    private const string Image = "localhost:5000/private/busybox:1";

    private NodeServer Node => fixture.Node;

    private Kubectl K => Node.Kubectl;

    [Fact]
    public async Task Private_image_without_credentials_is_ImagePullBackOff_with_the_registrys_reason()
    {
        await K.OkAsync("run", "nocreds", "--image=" + Image, "--image-pull-policy=Always", "--", "sleep", "3600");

        await Node.EventuallyAsync(async () => await Node.PodFieldAsync("nocreds", "{.status.containerStatuses[0].state.waiting.reason}") is "ErrImagePull" or "ImagePullBackOff", "ErrImagePull");
        var message = await Node.PodFieldAsync("nocreds", "{.status.containerStatuses[0].state.waiting.message}");
        Assert.Contains(Image, message, StringComparison.Ordinal);
        Assert.Contains("401 Unauthorized", message, StringComparison.Ordinal);
        Assert.Equal("Pending", await Node.PodFieldAsync("nocreds", "{.status.phase}"));
    }

    [Fact]
    public async Task Private_image_with_an_imagePullSecret_is_pulled_and_runs()
    {
        await K.OkAsync("create", "secret", "docker-registry", "regcred", "--docker-server=localhost:5000", "--docker-username=" + User, "--docker-password=" + Password);
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: withcreds
            spec:
              imagePullSecrets:
              - name: regcred
              containers:
              - name: c
                image: {{Image}}
                imagePullPolicy: Always
                command: ["sh", "-c", "echo pulled-and-running; sleep 3600"]
            """, "apply", "-f", "-");

        try
        {
            await Node.EventuallyAsync(async () => await Node.PodFieldAsync("withcreds", "{.status.phase}") == "Running", "withcreds Running", 120);
        }
        catch (TimeoutException)
        {
            Assert.Fail("withcreds did not run: " + await Node.PodFieldAsync("withcreds", "{.status.containerStatuses[0].state}"));
        }

        await Node.EventuallyAsync(async () => (await K.RunAsync("logs", "withcreds")).Stdout.Contains("pulled-and-running", StringComparison.Ordinal), "the pod's output");
        Assert.StartsWith("localhost:5000/private/busybox@sha256:", await Node.PodFieldAsync("withcreds", "{.status.containerStatuses[0].imageID}"), StringComparison.Ordinal);
    }

    /// <summary>A node server plus an authenticating registry in its network namespace, holding the test image.</summary>
    public sealed class RegistryFixture : IAsyncLifetime
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "skiff-registry-" + Guid.NewGuid().ToString("N")[..8]);
        private Process? _registry;

        public NodeServer Node { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Node = await NodeServer.StartAsync();
            Directory.CreateDirectory(_dir);

            // htpasswd wants bcrypt; Debian's python3 crypt (libxcrypt) makes one without apache2-utils.
            var (code, hash) = await HostCommand.RunAsync(["/usr/bin/python3", "-W", "ignore", "-c", $"import crypt; print(crypt.crypt('{Password}', crypt.mksalt(crypt.METHOD_BLOWFISH)))"], check: false);
            var bcrypt = hash.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("$2", StringComparison.Ordinal));
            Assert.True(code == 0 && bcrypt is not null, hash);
            await File.WriteAllTextAsync(Path.Combine(_dir, "htpasswd"), $"{User}:{bcrypt}\n");
            var config = Path.Combine(_dir, "config.yml");
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {Path.Combine(_dir, "data")}
                http:
                  addr: 127.0.0.1:5000
                auth:
                  htpasswd:
                    realm: skiff-test
                    path: {Path.Combine(_dir, "htpasswd")}
                """);

            var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--net=/run/netns/" + Node.Netns, "docker-registry", "serve", config })
            {
                psi.ArgumentList.Add(a);
            }

            _registry = Process.Start(psi)!;
            _registry.OutputDataReceived += (_, _) => { };
            _registry.ErrorDataReceived += (_, _) => { };
            _registry.BeginOutputReadLine();
            _registry.BeginErrorReadLine();
            await Node.EventuallyAsync(async () => (await Node.InNetnsAsync("timeout", "5", "busybox", "wget", "-q", "-O", "-", "http://127.0.0.1:5000/v2/")).Output.Contains("401", StringComparison.Ordinal), "the registry to answer 401");

            // The image the node server built for itself, pushed under a private name with the credentials.
            var archive = Path.Combine(Node.DataDir, "busybox.tar");
            var push = await Node.InNetnsAsync("skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", $"{User}:{Password}", "oci-archive:" + archive, "docker://" + Image);
            Assert.True(push.ExitCode == 0, push.Output);

            // containerd reaches localhost:5000 over plain HTTP (the node's registry hosts directory says so).
            var hosts = Path.Combine(Node.DataDir, "agent", "etc", "containerd", "certs.d", "localhost:5000");
            Directory.CreateDirectory(hosts);
            await File.WriteAllTextAsync(Path.Combine(hosts, "hosts.toml"), "server = \"http://localhost:5000\"\n\n[host.\"http://localhost:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n");
        }

        public async Task DisposeAsync()
        {
            if (_registry is { HasExited: false })
            {
                _registry.Kill();
                await _registry.WaitForExitAsync();
            }

            _registry?.Dispose();
            await Node.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
