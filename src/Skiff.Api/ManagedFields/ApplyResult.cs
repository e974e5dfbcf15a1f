using System.Text.Json.Nodes;
using k8s.Models;

namespace Skiff.Api.ManagedFields;

/// <summary>The object an apply produces (without managedFields) and the managedFields to store with it.</summary>
public sealed record ApplyResult(JsonObject Object, IList<V1ManagedFieldsEntry>? ManagedFields);
