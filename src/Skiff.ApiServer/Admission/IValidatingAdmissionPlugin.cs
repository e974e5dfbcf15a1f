namespace Skiff.ApiServer.Admission;

/// <summary>An admission plugin that accepts or rejects the final object after the resource's own validation.</summary>
public interface IValidatingAdmissionPlugin : IAdmissionPlugin
{
    /// <summary>Returns to accept; throws an <see cref="Http.ApiException"/> to reject. Must not change the object.</summary>
    ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct);
}
