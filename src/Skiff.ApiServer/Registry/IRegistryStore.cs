using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>The untyped face of a <see cref="RegistryStore{T}"/>, for code that works on any resource.</summary>
internal interface IRegistryStore
{
    ResourceInfo Info { get; }

    WatchCache Cache { get; }
}
