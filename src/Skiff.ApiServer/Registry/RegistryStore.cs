using System.Globalization;
using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;
using Skiff.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The generic store every resource goes through (kube-apiserver's registry Store): create, get, list, update,
/// delete and watch, with the strategy's rules applied in a fixed order, optimistic concurrency on the store's
/// mod revision, and reads served from the watch cache once it is as fresh as the store.
/// </summary>
internal sealed partial class RegistryStore<T> : IRegistryStore
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan FreshnessTimeout = TimeSpan.FromSeconds(3);
    private const int MaxConflictRetries = 100;
    private readonly IStore _store;
    private readonly CacheDispatcher _dispatcher;
    private readonly NamespaceLifecycle _namespaces;
    private readonly AdmissionChain _admission;

    /// <summary>The resource's storage hooks (allocation for Services), if it has any.</summary>
    public IRegistryHooks<T>? Hooks { get; init; }
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RegistryStore(ResourceInfo info, ResourceStrategy<T> strategy, IStore store, WatchCache cache,
        CacheDispatcher dispatcher, NamespaceLifecycle namespaces, AdmissionChain admission, TimeProvider time, ILogger logger)
    {
        Info = info;
        Strategy = strategy;
        _store = store;
        Cache = cache;
        _dispatcher = dispatcher;
        _namespaces = namespaces;
        _admission = admission;
        _time = time;
        _logger = logger;
    }

    public ResourceInfo Info { get; }

    public ResourceStrategy<T> Strategy { get; }

    public WatchCache Cache { get; }

    public string Key(string? ns, string name) => Info.Key(ns, name);

    public T Decode(CachedObject o) => ApiJson.Deserialize<T>(o.Json);

    private DateTime Now()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>Encodes an object for the store: without resourceVersion, which the store's revision provides.</summary>
    private byte[] EncodeForStore(T obj)
    {
        var rv = obj.Metadata.ResourceVersion;
        obj.Metadata.ResourceVersion = null;
        obj.ApiVersion = Info.ApiVersion;
        obj.Kind = Info.Kind;
        try
        {
            return ApiJson.Serialize(obj);
        }
        finally
        {
            obj.Metadata.ResourceVersion = rv;
        }
    }

    private static string Rv(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    private async ValueTask FreshAsync(CancellationToken ct)
    {
        try
        {
            await _dispatcher.WaitFreshAsync(FreshnessTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw ApiException.Timeout("Too large resource version: the watch cache is not yet up to date with the store");
        }
    }

    // ---- GET ----------------------------------------------------------------------------------------

    /// <summary>Reads one object. resourceVersion "0" accepts any cached state; otherwise the read is consistent.</summary>
    public async ValueTask<CachedObject> GetAsync(string? ns, string name, string resourceVersion, CancellationToken ct)
    {
        if (resourceVersion != "0")
        {
            if (resourceVersion.Length > 0 && long.TryParse(resourceVersion, out var min))
            {
                await WaitForAsync(min, ct).ConfigureAwait(false);
            }
            else
            {
                await FreshAsync(ct).ConfigureAwait(false);
            }
        }

        return Cache.Get(Key(ns, name)) ?? throw ApiException.NotFound(Info, name);
    }

    private async ValueTask WaitForAsync(long revision, CancellationToken ct)
    {
        try
        {
            await _dispatcher.WaitForRevisionAsync(revision, FreshnessTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw ApiException.Timeout($"Too large resource version: {revision}, current: {_dispatcher.Progress}");
        }
    }

    // ---- LIST ---------------------------------------------------------------------------------------

    public async ValueTask<ListResult> ListAsync(string? ns, ListOptions options, CancellationToken ct)
    {
        Func<CachedObject, bool> filter = Filter(ns, options);
        var prefix = Info.NamespacePrefix(ns);
        if (options.Continue is { Length: > 0 } token)
        {
            var t = ContinueToken.Decode(token) ?? throw ApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            return await ListFromStoreAsync(prefix, t.Rv, Info.KeyPrefix + t.After, options, filter, ct).ConfigureAwait(false);
        }

        long? exact = null;
        if (options.ResourceVersion.Length > 0 && options.ResourceVersion != "0")
        {
            if (!long.TryParse(options.ResourceVersion, out var rv) || rv < 0)
            {
                throw ApiException.BadRequest($"Invalid value: \"{options.ResourceVersion}\": resourceVersion must be a non-negative integer");
            }

            if (options.ResourceVersionMatch == "Exact")
            {
                exact = rv;
            }
            else
            {
                await WaitForAsync(rv, ct).ConfigureAwait(false);
            }
        }
        else if (options.ResourceVersionMatch == "Exact")
        {
            throw ApiException.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"");
        }
        else if (options.ResourceVersion.Length == 0)
        {
            await FreshAsync(ct).ConfigureAwait(false);
        }

        if (exact is { } at)
        {
            return await ListFromStoreAsync(prefix, at, null, options, filter, ct).ConfigureAwait(false);
        }

        var (items, revision) = Cache.Snapshot();
        var result = new List<CachedObject>();
        var limit = options.Limit > 0 ? options.Limit : int.MaxValue;
        string? lastKey = null;
        long remaining = 0;
        var more = false;

        // A name field selector narrows the list to one key, as kubectl's "get NAME -w" and controllers rely on.
        var onlyName = options.Fields.RequiredValue("metadata.name");
        IEnumerable<KeyValuePair<string, CachedObject>> source = items;
        if (onlyName is not null && (ns is not null || !Info.Namespaced))
        {
            source = items.TryGetValue(Key(ns, onlyName), out var one) ? [KeyValuePair.Create(one.Key, one)] : [];
        }

        foreach (var (key, o) in source)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || !filter(o))
            {
                continue;
            }

            if (result.Count < limit)
            {
                result.Add(o);
                lastKey = key;
            }
            else
            {
                more = true;
                remaining++;
            }
        }

        var cont = more && lastKey is not null ? ContinueToken.Encode(revision, lastKey[Info.KeyPrefix.Length..]) : null;
        var selectorsEmpty = options.Labels.IsEverything && options.Fields.IsEverything;
        return new ListResult(result, revision, cont, more && selectorsEmpty ? remaining : null);
    }

    private async ValueTask<ListResult> ListFromStoreAsync(string prefix, long revision, string? after, ListOptions options,
        Func<CachedObject, bool> filter, CancellationToken ct)
    {
        var limit = options.Limit > 0 ? options.Limit : int.MaxValue;
        var result = new List<CachedObject>();
        var cursor = after;
        var more = false;
        var storeHasMore = false;
        string? lastKey = null;
        try
        {
            while (result.Count < limit)
            {
                var page = await _store.RangeAsync(prefix, revision, cursor, Math.Min(limit - result.Count + 1, 1000), ct).ConfigureAwait(false);
                storeHasMore = page.More;
                foreach (var kv in page.Items)
                {
                    cursor = kv.Key;
                    var o = Cache.Decoder.Decode(kv.Key, kv.Value, kv.ModRevision);
                    if (!filter(o))
                    {
                        continue;
                    }

                    if (result.Count == limit)
                    {
                        more = true;
                        break;
                    }

                    result.Add(o);
                    lastKey = kv.Key;
                }

                if (more || !page.More)
                {
                    break;
                }
            }
        }
        catch (CompactedException)
        {
            throw ApiException.Gone(after is null
                ? $"too old resource version: {revision}"
                : "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
        }
        catch (FutureRevisionException)
        {
            throw ApiException.Timeout($"Too large resource version: {revision}, current: {_dispatcher.Progress}");
        }

        // A page of the store can end exactly at the limit (pages hold at most 1000 keys): keys left in the store mean
        // the list goes on, as kube-apiserver answers a continue token whenever etcd has more keys.
        more |= result.Count == limit && storeHasMore;
        var cont = more && lastKey is not null ? ContinueToken.Encode(revision, lastKey[Info.KeyPrefix.Length..]) : null;
        return new ListResult(result, revision, cont, null);
    }

    private Func<CachedObject, bool> Filter(string? ns, ListOptions options)
    {
        var labels = options.Labels;
        var fields = options.Fields;
        var checkNs = Info.Namespaced && !string.IsNullOrEmpty(ns);
        return o => (!checkNs || o.Namespace == ns)
            && (labels.IsEverything || labels.Matches(o.Labels))
            && (fields.IsEverything || fields.Matches(o.FieldValue));
    }

    // ---- WATCH --------------------------------------------------------------------------------------

    /// <summary>Starts a watch from the cache with the semantics of the resourceVersion parameter.</summary>
    public async ValueTask<CacheWatcher> WatchAsync(string? ns, ListOptions options, CancellationToken ct)
    {
        var filter = Filter(ns, options);
        long? from = null;
        var rv = options.ResourceVersion;
        if (options.SendInitialEvents == true)
        {
            if (rv.Length == 0)
            {
                await FreshAsync(ct).ConfigureAwait(false);
            }
        }
        else if (rv.Length > 0 && rv != "0")
        {
            if (!long.TryParse(rv, out var n) || n < 0)
            {
                throw ApiException.BadRequest($"Invalid value: \"{rv}\": resourceVersion must be a non-negative integer");
            }

            await WaitForAsync(n, ct).ConfigureAwait(false);
            from = n;
        }
        else if (rv.Length == 0)
        {
            await FreshAsync(ct).ConfigureAwait(false);
        }

        return Cache.Watch(from, filter);
    }

    // ---- CREATE -------------------------------------------------------------------------------------

    public async ValueTask<T> CreateAsync(string? ns, T obj, bool dryRun, CancellationToken ct)
    {
        var meta = obj.Metadata ??= new V1ObjectMeta();
        if (Info.Namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty))
            {
                meta.NamespaceProperty = ns;
            }
            else if (ns is not null && meta.NamespaceProperty != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
        }
        else
        {
            meta.NamespaceProperty = null;
        }

        if (!string.IsNullOrEmpty(meta.ResourceVersion))
        {
            throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var generated = string.IsNullOrEmpty(meta.Name) && !string.IsNullOrEmpty(meta.GenerateName);
        if (generated)
        {
            meta.Name = NameGenerator.Generate(meta.GenerateName!);
        }

        if (Info.Namespaced && !string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            if (!_namespaces.IsCached(meta.NamespaceProperty))
            {
                // The namespace may have just been created (through this server or another one on the same store)
                // and not reached the cache yet: catch up with the store before refusing, as kube-apiserver's
                // NamespaceLifecycle falls back to a live lookup.
                await _dispatcher.WaitFreshAsync(FreshnessTimeout, ct).ConfigureAwait(false);
            }

            _namespaces.CheckCreate(meta.NamespaceProperty);
        }

        meta.Uid = Guid.NewGuid().ToString();
        meta.CreationTimestamp = Now();
        meta.DeletionTimestamp = null;
        meta.DeletionGracePeriodSeconds = null;
        meta.SelfLink = null;
        meta.Generation = Strategy.TracksGeneration ? 1 : null;
        Strategy.Default(obj);
        var attributes = new AdmissionAttributes
        {
            Operation = AdmissionOperation.Create, Resource = Info, Namespace = meta.NamespaceProperty, Name = meta.Name ?? string.Empty,
            Object = obj, User = RequestUser.Current, DryRun = dryRun,
        };
        await _admission.MutateAsync(attributes, ct).ConfigureAwait(false);
        Strategy.PrepareForCreate(obj);
        var errors = new FieldErrors();
        ObjectMetaValidation.ValidateCreate(obj.Metadata, Info, Strategy.NameRule, errors);
        Strategy.Validate(obj, errors);
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(Info, meta.Name ?? meta.GenerateName ?? string.Empty, errors);
        }

        await _admission.ValidateAsync(attributes, ct).ConfigureAwait(false);

        obj.ApiVersion = Info.ApiVersion;
        obj.Kind = Info.Kind;
        if (dryRun)
        {
            if (Hooks is not null)
            {
                await (await Hooks.BeginCreateAsync(obj, true, ct).ConfigureAwait(false)).RevertAsync().ConfigureAwait(false);
            }

            return obj;
        }

        for (var attempt = 0; ; attempt++)
        {
            var txn = Hooks is null ? RegistryTransaction.None : await Hooks.BeginCreateAsync(obj, false, ct).ConfigureAwait(false);
            WriteResult result;
            try
            {
                result = await _store.CreateAsync(Key(meta.NamespaceProperty, meta.Name!), EncodeForStore(obj), ct).ConfigureAwait(false);
            }
            catch
            {
                await txn.RevertAsync().ConfigureAwait(false);
                throw;
            }

            if (result.Succeeded)
            {
                await txn.CommitAsync().ConfigureAwait(false);
                meta.ResourceVersion = Rv(result.Revision);
                return obj;
            }

            await txn.RevertAsync().ConfigureAwait(false);
            if (!generated || attempt >= 8)
            {
                throw ApiException.AlreadyExists(Info, meta.Name!);
            }

            meta.Name = NameGenerator.Generate(meta.GenerateName!);
        }
    }

    // ---- UPDATE -------------------------------------------------------------------------------------

    /// <summary>
    /// Reads the current object, lets <paramref name="produce"/> build the new one from it, applies the update
    /// rules and writes it with a compare-and-swap, retrying on a lost race unless the new object names the
    /// resourceVersion it was based on (then a race is a 409 Conflict, as in Kubernetes).
    /// </summary>
    public async ValueTask<UpdateResult<T>> UpdateAsync(string? ns, string name, UpdateKind kind, Func<T?, T> produce,
        bool dryRun, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await FreshAsync(ct).ConfigureAwait(false);
            var cached = Cache.Get(Key(ns, name));
            var old = cached is null ? null : Decode(cached);
            var obj = produce(old is null ? null : Decode(cached!));
            var meta = obj.Metadata ??= new V1ObjectMeta();
            if (!string.IsNullOrEmpty(meta.Name) && meta.Name != name)
            {
                throw ApiException.BadRequest($"the name of the object ({meta.Name}) does not match the name on the URL ({name})");
            }

            meta.Name = name;
            if (Info.Namespaced)
            {
                if (!string.IsNullOrEmpty(meta.NamespaceProperty) && meta.NamespaceProperty != ns)
                {
                    throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                }

                meta.NamespaceProperty = ns;
            }
            else
            {
                meta.NamespaceProperty = null;
            }

            if (old is null)
            {
                if (kind == UpdateKind.Main && Strategy.AllowCreateOnUpdate)
                {
                    meta.ResourceVersion = null;
                    return new UpdateResult<T>(await CreateAsync(ns, obj, dryRun, ct).ConfigureAwait(false), true);
                }

                throw ApiException.NotFound(Info, name);
            }

            // A uid in the new object is a precondition, as in kube-apiserver's update: it must name this incarnation.
            if (!string.IsNullOrEmpty(meta.Uid) && meta.Uid != old.Metadata.Uid)
            {
                throw ApiException.Conflict(Info, name, $"Precondition failed: UID in precondition: {meta.Uid}, UID in object meta: {old.Metadata.Uid}");
            }

            var conditional = !string.IsNullOrEmpty(meta.ResourceVersion);
            if (conditional && meta.ResourceVersion != old.Metadata.ResourceVersion)
            {
                throw ApiException.Conflict(Info, name, ApiException.ModifiedMessage);
            }

            if (!conditional && kind == UpdateKind.Main && !Strategy.AllowUnconditionalUpdate)
            {
                var e = new FieldErrors();
                e.Invalid("metadata.resourceVersion", 0, "must be specified for an update");
                throw ApiException.Invalid(Info, name, e);
            }

            if (kind == UpdateKind.Main)
            {
                // Mutating admission sees a defaulted object, as after kube-apiserver's decode.
                Strategy.Default(obj);
            }

            var attributes = new AdmissionAttributes
            {
                Operation = AdmissionOperation.Update, Resource = Info, Subresource = Subresource(kind), Namespace = ns, Name = name,
                Object = obj, OldObject = old, User = RequestUser.Current, DryRun = dryRun,
            };
            await _admission.MutateAsync(attributes, ct).ConfigureAwait(false);
            PrepareUpdate(obj, old, kind);
            var errors = new FieldErrors();
            ObjectMetaValidation.ValidateUpdate(obj.Metadata, Info, errors);
            switch (kind)
            {
                case UpdateKind.Status:
                    Strategy.ValidateStatusUpdate(obj, old, errors);
                    break;
                case UpdateKind.Approval:
                    Strategy.ValidateApprovalUpdate(obj, old, errors);
                    break;
                case UpdateKind.Finalize:
                case UpdateKind.Binding:
                    break;
                default:
                    Strategy.ValidateUpdate(obj, old, errors);
                    break;
            }

            if (errors.Count > 0)
            {
                throw ApiException.Invalid(Info, name, errors);
            }

            await _admission.ValidateAsync(attributes, ct).ConfigureAwait(false);
            obj.ApiVersion = Info.ApiVersion;
            obj.Kind = Info.Kind;
            meta.ResourceVersion = old.Metadata.ResourceVersion;
            var bytes = EncodeForStore(obj);
            if (bytes.AsSpan().SequenceEqual(EncodeForStore(old)) || ApiJson.SemanticEquals(obj, old))
            {
                // Kubernetes skips writes that change nothing: the resourceVersion stays, watchers see no event.
                return new UpdateResult<T>(old, false);
            }

            var txn = RegistryTransaction.None;
            if (Hooks is not null)
            {
                // Hooks fill in allocated values (node ports), so the bytes are taken again afterwards.
                txn = await Hooks.BeginUpdateAsync(obj, old, kind, dryRun, ct).ConfigureAwait(false);
                bytes = EncodeForStore(obj);
            }

            if (dryRun)
            {
                await txn.RevertAsync().ConfigureAwait(false);
                return new UpdateResult<T>(obj, false);
            }

            var oldRevision = cached!.ResourceVersion;
            try
            {
                if (meta.DeletionTimestamp is not null && (meta.Finalizers is null || meta.Finalizers.Count == 0) && !Strategy.HasSpecFinalizers(obj))
                {
                    // The last finalizer is gone from an object being deleted: the update completes the deletion.
                    var del = await _store.DeleteAsync(Key(ns, name), oldRevision, ct).ConfigureAwait(false);
                    if (del.Succeeded)
                    {
                        await txn.RevertAsync().ConfigureAwait(false);
                        if (Hooks is not null)
                        {
                            await Hooks.AfterDeleteAsync(old, ct).ConfigureAwait(false);
                        }

                        meta.ResourceVersion = Rv(del.Revision);
                        return new UpdateResult<T>(obj, false);
                    }
                }
                else
                {
                    var result = await _store.UpdateAsync(Key(ns, name), bytes, oldRevision, ct).ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        await txn.CommitAsync().ConfigureAwait(false);
                        meta.ResourceVersion = Rv(result.Revision);
                        return new UpdateResult<T>(obj, false);
                    }
                }
            }
            catch
            {
                await txn.RevertAsync().ConfigureAwait(false);
                throw;
            }

            await txn.RevertAsync().ConfigureAwait(false);

            // Lost a race with another writer: read again and retry. A request that named a resourceVersion then
            // fails the check above with 409; a patch or apply (whose result carries the version it was applied
            // to) is simply applied again to the newer object, as kube-apiserver's GuaranteedUpdate does.
            if (attempt >= MaxConflictRetries)
            {
                throw ApiException.Conflict(Info, name, ApiException.ModifiedMessage);
            }
        }
    }

    private static string? Subresource(UpdateKind kind) => kind switch
    {
        UpdateKind.Status => "status",
        UpdateKind.Finalize => "finalize",
        UpdateKind.Binding => "binding",
        UpdateKind.Approval => "approval",
        _ => null,
    };

    private void PrepareUpdate(T obj, T old, UpdateKind kind)
    {
        var meta = obj.Metadata;
        var oldMeta = old.Metadata;

        // Fields no update may change (kube-apiserver's BeforeUpdate): uid when omitted, creation time,
        // deletion markers and generation are the server's.
        if (string.IsNullOrEmpty(meta.Uid))
        {
            meta.Uid = oldMeta.Uid;
        }

        meta.CreationTimestamp = oldMeta.CreationTimestamp;
        meta.DeletionTimestamp = oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds;
        meta.Generation = oldMeta.Generation;
        meta.SelfLink = null;
        if (kind is UpdateKind.Finalize or UpdateKind.Binding)
        {
            return;
        }

        if (kind is UpdateKind.Status or UpdateKind.Approval)
        {
            // A status write changes only status (apimachinery's ResetObjectMetaForStatus); approval is a status write too.
            meta.Labels = oldMeta.Labels;
            meta.Annotations = oldMeta.Annotations;
            meta.Finalizers = oldMeta.Finalizers;
            meta.OwnerReferences = oldMeta.OwnerReferences;
            if (kind == UpdateKind.Approval)
            {
                Strategy.PrepareForApprovalUpdate(obj, old);
            }
            else
            {
                Strategy.PrepareForStatusUpdate(obj, old);
            }

            return;
        }

        Strategy.Default(obj);
        Strategy.PrepareForUpdate(obj, old);
        if (Strategy.TracksGeneration && ObjectParts<T>.SpecChanged(obj, old))
        {
            meta.Generation = (oldMeta.Generation ?? 0) + 1;
        }
    }

    // ---- DELETE -------------------------------------------------------------------------------------

    /// <summary>
    /// Deletes an object, or starts its deletion when finalizers or a grace period keep it: then it is
    /// returned with deletionTimestamp set and <see cref="DeleteResult{T}.Deleted"/> false.
    /// </summary>
    public async ValueTask<DeleteResult<T>> DeleteAsync(string? ns, string name, V1DeleteOptions? options, bool dryRun, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await FreshAsync(ct).ConfigureAwait(false);
            var cached = Cache.Get(Key(ns, name)) ?? throw ApiException.NotFound(Info, name);
            var obj = Decode(cached);
            var meta = obj.Metadata;
            CheckPreconditions(options?.Preconditions, meta, name);
            NamespaceLifecycle.CheckDelete(Info, name);
            // Both phases, as kube-apiserver's AdmissionToValidateObjectDeleteFunc: mutating plugins (webhooks registered for
            // DELETE) see the request too, with no object and the stored one as oldObject; they cannot change anything.
            var attributes = new AdmissionAttributes
            {
                Operation = AdmissionOperation.Delete, Resource = Info, Namespace = ns, Name = name,
                OldObject = obj, User = RequestUser.Current, DryRun = dryRun, Options = options,
            };
            await _admission.MutateAsync(attributes, ct).ConfigureAwait(false);
            await _admission.ValidateAsync(attributes, ct).ConfigureAwait(false);

            var finalizers = meta.Finalizers?.ToList() ?? [];
            var policy = options?.PropagationPolicy ?? (options?.OrphanDependents == true ? "Orphan" : options?.OrphanDependents == false ? "Background" : null);
            if (policy is not null and not ("Orphan" or "Foreground" or "Background"))
            {
                throw ApiException.Invalid(Info, name, InvalidPolicy(policy));
            }

            var beingDeleted = meta.DeletionTimestamp is not null;
            if (!beingDeleted)
            {
                // Orphan and Foreground are carried out by the garbage collector through these finalizers.
                if (policy == "Orphan")
                {
                    finalizers.Remove("foregroundDeletion");
                    AddOnce(finalizers, "orphan");
                }
                else if (policy == "Foreground")
                {
                    finalizers.Remove("orphan");
                    AddOnce(finalizers, "foregroundDeletion");
                }
            }

            var grace = Strategy.DeletionGracePeriod(obj, options?.GracePeriodSeconds) ?? 0;
            var keep = finalizers.Count > 0 || Strategy.HasSpecFinalizers(obj) || grace > 0;
            if (!keep)
            {
                if (dryRun)
                {
                    return new DeleteResult<T>(obj, true);
                }

                var del = await _store.DeleteAsync(cached.Key, cached.ResourceVersion, ct).ConfigureAwait(false);
                if (del.Succeeded)
                {
                    if (Hooks is not null)
                    {
                        await Hooks.AfterDeleteAsync(obj, ct).ConfigureAwait(false);
                    }

                    meta.ResourceVersion = Rv(del.Revision);
                    return new DeleteResult<T>(obj, true);
                }
            }
            else
            {
                var now = Now();
                if (!beingDeleted)
                {
                    meta.DeletionTimestamp = now.AddSeconds(grace);
                    meta.DeletionGracePeriodSeconds = grace;
                    if (Strategy.TracksGeneration)
                    {
                        meta.Generation = (meta.Generation ?? 0) + 1;
                    }
                }
                else if (grace < (meta.DeletionGracePeriodSeconds ?? 0))
                {
                    // A second delete may only shorten the grace period.
                    var shortened = now.AddSeconds(grace);
                    if (shortened < meta.DeletionTimestamp)
                    {
                        meta.DeletionTimestamp = shortened;
                    }

                    meta.DeletionGracePeriodSeconds = grace;
                }
                else if (finalizers.SequenceEqual(meta.Finalizers ?? []))
                {
                    return new DeleteResult<T>(obj, false);
                }

                meta.Finalizers = finalizers.Count > 0 ? finalizers : null;
                Strategy.PrepareForDelete(obj);
                if (dryRun)
                {
                    return new DeleteResult<T>(obj, false);
                }

                var result = await _store.UpdateAsync(cached.Key, EncodeForStore(obj), cached.ResourceVersion, ct).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    meta.ResourceVersion = Rv(result.Revision);
                    return new DeleteResult<T>(obj, false);
                }
            }

            if (attempt >= MaxConflictRetries)
            {
                throw ApiException.Conflict(Info, name, ApiException.ModifiedMessage);
            }
        }
    }

    private static FieldErrors InvalidPolicy(string policy)
    {
        var e = new FieldErrors();
        e.NotSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan"]);
        return e;
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }

    private void CheckPreconditions(V1Preconditions? pre, V1ObjectMeta meta, string name)
    {
        if (pre is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(pre.Uid) && pre.Uid != meta.Uid)
        {
            throw ApiException.Conflict(Info, name, $"Precondition failed: UID in precondition: {pre.Uid}, UID in object meta: {meta.Uid}");
        }

        if (!string.IsNullOrEmpty(pre.ResourceVersion) && pre.ResourceVersion != meta.ResourceVersion)
        {
            throw ApiException.Conflict(Info, name, $"Precondition failed: ResourceVersion in precondition: {pre.ResourceVersion}, ResourceVersion in object meta: {meta.ResourceVersion}");
        }
    }

    /// <summary>Deletes every object matching the list options (DELETE on a collection).</summary>
    public async ValueTask<IReadOnlyList<T>> DeleteCollectionAsync(string? ns, ListOptions list, V1DeleteOptions? options, bool dryRun, CancellationToken ct)
    {
        var page = await ListAsync(ns, list with { Limit = 0, Continue = null }, ct).ConfigureAwait(false);
        var deleted = new List<T>();
        foreach (var o in page.Items)
        {
            try
            {
                var r = await DeleteAsync(o.Namespace.Length == 0 ? null : o.Namespace, o.Name, options, dryRun, ct).ConfigureAwait(false);
                deleted.Add(r.Object);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted concurrently: the collection delete still succeeds.
            }
        }

        return deleted;
    }
}
