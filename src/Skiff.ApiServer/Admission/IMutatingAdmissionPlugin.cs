namespace Skiff.ApiServer.Admission;

/// <summary>An admission plugin that may change the object (defaults, injected fields) before validation.</summary>
public interface IMutatingAdmissionPlugin : IAdmissionPlugin
{
    /// <summary>Mutates <see cref="AdmissionAttributes.Object"/> in place, or throws to reject.</summary>
    ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct);
}
