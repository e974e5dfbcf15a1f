using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Images;

/// <summary>
/// Makes a container's image present as kubelet's image manager does: imagePullPolicy Always / IfNotPresent / Never,
/// imagePullSecrets credentials, and pull back-off (ErrImagePull, then ImagePullBackOff while the delay runs).
/// </summary>
internal sealed class ImagePuller(IContainerRuntime runtime, Func<string, string, CancellationToken, Task<V1Secret?>> getSecret, TimeProvider time)
{
    /// <summary>Ensures the image of <paramref name="container"/>; returns the runtime's image reference.</summary>
    /// <exception cref="ImagePullException">the image is not present and cannot be pulled now.</exception>
    public async Task<string> EnsureAsync(V1Pod pod, V1Container container, PodSandboxConfig sandbox, CrashLoopBackoff backoff, Dictionary<string, (DateTimeOffset At, string Message)> lastFailure, CancellationToken cancellationToken, Action<string, string, string>? onEvent = null)
    {
        var report = onEvent ?? ((_, _, _) => { });
        var image = container.Image;
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new ImagePullException("InvalidImageName", "Failed to apply default image tag: couldn't parse image name \"\": invalid reference format");
        }

        var policy = container.ImagePullPolicy ?? (image.Contains('@') || (image.LastIndexOf(':') > image.LastIndexOf('/') && !image.EndsWith(":latest", StringComparison.Ordinal)) ? "IfNotPresent" : "Always");
        Image? present;
        try
        {
            present = await runtime.ImageStatusAsync(image, cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeException ex)
        {
            throw new ImagePullException("InvalidImageName", $"Failed to inspect image \"{image}\": {ex.RuntimeMessage}");
        }

        if (present is not null && policy != "Always")
        {
            report("Normal", "Pulled", $"Container image \"{image}\" already present on machine");
            return present.Id;
        }

        if (policy == "Never")
        {
            if (present is null)
            {
                report("Warning", "ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");
                throw new ImagePullException("ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");
            }

            return present.Id;
        }

        // Per pod and image, as kubelet keys its image pull back-off: one pod failing to pull (e.g. without the
        // credentials) must not hold back another pod of the same image that has them.
        var key = "pull/" + pod.Metadata.Uid + "/" + image;
        if (lastFailure.TryGetValue(key, out var failed) && backoff.InBackoff(key, failed.At, out _, out _))
        {
            report("Normal", "BackOff", $"Back-off pulling image \"{image}\"");
            throw new ImagePullException("ImagePullBackOff", $"Back-off pulling image \"{image}\": ErrImagePull: {failed.Message}");
        }

        var credentials = new List<AuthConfig?>();
        foreach (var reference in pod.Spec.ImagePullSecrets ?? [])
        {
            var secret = await getSecret(pod.Metadata.NamespaceProperty, reference.Name, cancellationToken).ConfigureAwait(false);
            credentials.AddRange(DockerConfigAuth.Match(image, secret?.Data));
        }

        if (credentials.Count == 0)
        {
            credentials.Add(null);
        }

        RuntimeException? last = null;
        report("Normal", "Pulling", $"Pulling image \"{image}\"");
        var started = time.GetTimestamp();
        foreach (var auth in credentials)
        {
            try
            {
                var reference = await runtime.PullImageAsync(image, auth, sandbox, cancellationToken).ConfigureAwait(false);
                lastFailure.Remove(key);
                var took = time.GetElapsedTime(started).TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
                report("Normal", "Pulled", $"Successfully pulled image \"{image}\" in {took}s ({took}s including waiting)");
                return reference;
            }
            catch (RuntimeException ex)
            {
                last = ex;
            }
        }

        backoff.Next(key);
        var message = $"failed to pull and unpack image \"{image}\": {last!.RuntimeMessage}";
        if (last.RuntimeMessage.StartsWith("failed to pull and unpack image", StringComparison.Ordinal))
        {
            message = last.RuntimeMessage;
        }

        lastFailure[key] = (time.GetUtcNow(), message);
        report("Warning", "Failed", $"Failed to pull image \"{image}\": {message}");
        report("Warning", "Failed", "Error: ErrImagePull");
        throw new ImagePullException("ErrImagePull", message);
    }
}
