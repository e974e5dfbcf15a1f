namespace Skiff.Kubelet.Images;

/// <summary>An image could not be made present; <see cref="Reason"/> is the container's waiting reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName).</summary>
internal sealed class ImagePullException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
