using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Cri;

/// <summary>
/// <see cref="IContainerRuntime"/> over CRI v1 gRPC on a unix socket (containerd's CRI plugin). One HTTP/2
/// connection is shared by every call; gRPC errors become <see cref="RuntimeException"/>s carrying the runtime's text.
/// </summary>
internal sealed class CriRuntime : IContainerRuntime, IDisposable
{
    /// <summary>Deadline of ordinary calls; pulls and stops pass their own.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    private readonly GrpcChannel _channel;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly ImageService.ImageServiceClient _images;

    public CriRuntime(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            EnableMultipleHttp2Connections = true,
        };
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
        _runtime = new RuntimeService.RuntimeServiceClient(_channel);
        _images = new ImageService.ImageServiceClient(_channel);
    }

    public string SocketPath { get; }

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        CallAsync("Version", () => _runtime.VersionAsync(new VersionRequest { Version = "v1" }, Options(cancellationToken)).ResponseAsync);

    public Task<StatusResponse> StatusAsync(CancellationToken cancellationToken) =>
        CallAsync("Status", () => _runtime.StatusAsync(new StatusRequest(), Options(cancellationToken)).ResponseAsync);

    public async Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken) =>
        (await CallAsync("RunPodSandbox", () => _runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).PodSandboxId;

    public Task StopPodSandboxAsync(string sandboxId, CancellationToken cancellationToken) =>
        IgnoreNotFoundAsync("StopPodSandbox", () => _runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandboxId }, Options(cancellationToken)).ResponseAsync);

    public Task RemovePodSandboxAsync(string sandboxId, CancellationToken cancellationToken) =>
        IgnoreNotFoundAsync("RemovePodSandbox", () => _runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandboxId }, Options(cancellationToken)).ResponseAsync);

    public async Task<PodSandboxStatus?> PodSandboxStatusAsync(string sandboxId, CancellationToken cancellationToken)
    {
        try
        {
            return (await CallAsync("PodSandboxStatus", () => _runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandboxId }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Status;
        }
        catch (RuntimeException ex) when (ex.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(PodSandboxFilter? filter, CancellationToken cancellationToken) =>
        (await CallAsync("ListPodSandbox", () => _runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Items;

    public async Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken) =>
        (await CallAsync("CreateContainer", () => _runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config, SandboxConfig = sandboxConfig }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).ContainerId;

    public Task StartContainerAsync(string containerId, CancellationToken cancellationToken) =>
        CallAsync("StartContainer", () => _runtime.StartContainerAsync(new StartContainerRequest { ContainerId = containerId }, Options(cancellationToken)).ResponseAsync);

    public Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken) =>
        IgnoreNotFoundAsync("StopContainer", () => _runtime.StopContainerAsync(
            new StopContainerRequest { ContainerId = containerId, Timeout = timeoutSeconds },
            Options(cancellationToken, TimeSpan.FromSeconds(timeoutSeconds) + CallTimeout)).ResponseAsync);

    public Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken) =>
        IgnoreNotFoundAsync("RemoveContainer", () => _runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = containerId }, Options(cancellationToken)).ResponseAsync);

    public async Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken) =>
        (await CallAsync("ListContainers", () => _runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Containers;

    public async Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            return (await CallAsync("ContainerStatus", () => _runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Status;
        }
        catch (RuntimeException ex) when (ex.NotFound)
        {
            return null;
        }
    }

    public Task<ExecSyncResponse> ExecSyncAsync(string containerId, IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new ExecSyncRequest { ContainerId = containerId, Timeout = (long)Math.Ceiling(timeout.TotalSeconds) };
        request.Cmd.AddRange(command);
        return CallAsync("ExecSync", () => _runtime.ExecSyncAsync(request, Options(cancellationToken, timeout + CallTimeout)).ResponseAsync);
    }

    public async Task<string> ExecAsync(ExecRequest request, CancellationToken cancellationToken) =>
        (await CallAsync("Exec", () => _runtime.ExecAsync(request, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Url;

    public async Task<string> AttachAsync(AttachRequest request, CancellationToken cancellationToken) =>
        (await CallAsync("Attach", () => _runtime.AttachAsync(request, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Url;

    public async Task<string> PortForwardAsync(PortForwardRequest request, CancellationToken cancellationToken) =>
        (await CallAsync("PortForward", () => _runtime.PortForwardAsync(request, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Url;

    public async Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken) =>
        (await CallAsync("ImageStatus", () => _images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = image } }, Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Image;

    public async Task<string> PullImageAsync(string image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken) =>
        (await CallAsync("PullImage", () => _images.PullImageAsync(
            new PullImageRequest { Image = new ImageSpec { Image = image }, Auth = auth, SandboxConfig = sandboxConfig },
            Options(cancellationToken, TimeSpan.FromMinutes(30))).ResponseAsync).ConfigureAwait(false)).ImageRef;

    public async Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken) =>
        (await CallAsync("ListImages", () => _images.ListImagesAsync(new ListImagesRequest(), Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Images;

    public async Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(CancellationToken cancellationToken) =>
        (await CallAsync("ListContainerStats", () => _runtime.ListContainerStatsAsync(new ListContainerStatsRequest(), Options(cancellationToken)).ResponseAsync).ConfigureAwait(false)).Stats;

    public Task RemoveImageAsync(string image, CancellationToken cancellationToken) =>
        CallAsync("RemoveImage", () => _images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = image } }, Options(cancellationToken)).ResponseAsync);

    public void Dispose() => _channel.Dispose();

    private static CallOptions Options(CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        new(deadline: DateTime.UtcNow + (timeout ?? CallTimeout), cancellationToken: cancellationToken);

    private static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            throw new RuntimeException(operation, ex.Status.Detail.Length > 0 ? ex.Status.Detail : ex.Status.StatusCode.ToString(), ex.StatusCode == StatusCode.NotFound, ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException(ex.Message, ex);
        }
    }

    private static async Task IgnoreNotFoundAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            await CallAsync(operation, call).ConfigureAwait(false);
        }
        catch (RuntimeException ex) when (ex.NotFound)
        {
        }
    }
}
