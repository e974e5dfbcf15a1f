using System.Diagnostics;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Proxy.Conntrack;
using Skiff.Proxy.Nft;
using Skiff.Proxy.Rules;

namespace Skiff.Proxy;

/// <summary>
/// The Service proxy (kube-proxy's nftables mode): watches Services, EndpointSlices and this node, and keeps the
/// table `ip skiff` equal to the rules they imply. Changes are coalesced: a sync runs at most once per
/// <see cref="ProxyOptions.MinSyncInterval"/>, and a full resync runs every <see cref="ProxyOptions.FullResyncInterval"/>.
/// The table is removed when <see cref="RunAsync"/> ends.
/// </summary>
public sealed partial class ServiceProxy
{
    private readonly InformerFactory _informers;
    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NftApplier _applier;
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConntrackRunner _conntrack;
    private string? _lastApplied;
    private NftTableDiff.Table? _lastTable;
    private ProxyRuleSet? _lastRules;
    private bool _conntrackMissing;

    public ServiceProxy(InformerFactory informers, ProxyOptions options, TimeProvider timeProvider, ILogger<ServiceProxy> logger)
    {
        _informers = informers;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _applier = new NftApplier(options.NftPath, options.NetworkNamespace);
        _conntrack = new ConntrackRunner(options.ConntrackPath, options.NetworkNamespace);
    }

    /// <summary>Raised after each successful apply, with the moment the table went live.</summary>
    public event Action<long>? Applied;

    /// <summary>The text of the last applied transaction (benchmarks and tests read it).</summary>
    internal string? LastAppliedText => _lastApplied;

    /// <summary>How many transactions were applied so far.</summary>
    public int ApplyCount { get; private set; }

    /// <summary>How many of them were partial (only the changed chains and map elements).</summary>
    public int PartialApplyCount { get; private set; }

    /// <summary>Runs until cancelled, then deletes the table.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var services = _informers.For<V1Service>(ApiResource.Services);
        var slices = _informers.For<V1EndpointSlice>(ApiResource.EndpointSlices);
        var nodes = _informers.For<V1Node>(ApiResource.Nodes);
        services.AddEventHandler(new ResourceEventHandler<V1Service>(_ => Changed(), (_, _) => Changed(), _ => Changed()));
        slices.AddEventHandler(new ResourceEventHandler<V1EndpointSlice>(_ => Changed(), (_, _) => Changed(), _ => Changed()));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(_ => Changed(), (_, _) => Changed(), _ => Changed()));

        _informers.Start(cancellationToken);
        try
        {
            await _informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
            await LoopAsync(services, slices, nodes, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _applier.ApplyAsync(NftRenderer.RenderDelete(), cleanup.Token).ConfigureAwait(false);
                Log.TableRemoved(_logger, NftRenderer.TableName);
            }
            catch (Exception ex) when (ex is NftException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                Log.CleanupFailed(_logger, NftRenderer.TableName, ex.Message);
            }
        }
    }

    private void Changed() => _changes.Writer.TryWrite(true);

    private async Task LoopAsync(SharedInformer<V1Service> services, SharedInformer<V1EndpointSlice> slices, SharedInformer<V1Node> nodes, CancellationToken cancellationToken)
    {
        var lastFull = long.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            var full = lastFull == long.MinValue || _time.GetElapsedTime(lastFull) >= _options.FullResyncInterval;

            // Drain the pending signal first: a change arriving during this sync sets it again and is picked up
            // by the next round, never lost.
            _changes.Reader.TryRead(out _);
            try
            {
                var node = nodes.Indexer.Get(null, _options.NodeName);
                var rules = RuleModelBuilder.Build(services.Indexer.List(), slices.Indexer.List(), _options.NodeName, RuleModelBuilder.NodeAddresses(node), _options.ClusterCidr);
                var text = NftRenderer.Render(rules);
                if (full || text != _lastApplied)
                {
                    var sw = Stopwatch.StartNew();
                    var table = NftTableDiff.Parse(text);
                    var partial = full || _lastTable is null ? null : NftTableDiff.Render(_lastTable, table);
                    await ApplyAsync(text, partial, cancellationToken).ConfigureAwait(false);
                    _lastApplied = text;
                    _lastTable = table;
                    ApplyCount++;
                    if (full)
                    {
                        lastFull = started;
                    }

                    Log.Synced(_logger, rules.Ports.Length, sw.ElapsedMilliseconds, full);
                    Applied?.Invoke(_time.GetTimestamp());
                    await FlushStaleUdpAsync(ConntrackCleanup.Plan(_lastRules, rules), cancellationToken).ConfigureAwait(false);
                    _lastRules = rules;
                }
            }
            catch (NftException ex)
            {
                // Keep the last good table; retry on the next change or resync.
                Log.ApplyFailed(_logger, NftRenderer.TableName, ex.Message);
                _lastApplied = null;
                _lastTable = null;
            }

            // Coalesce: wait out the minimum interval, then for a change or the next full resync.
            var elapsed = _time.GetElapsedTime(started);
            if (elapsed < _options.MinSyncInterval)
            {
                await Task.Delay(_options.MinSyncInterval - elapsed, _time, cancellationToken).ConfigureAwait(false);
            }

            using var resync = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            resync.CancelAfter(_options.FullResyncInterval);
            try
            {
                await _changes.Reader.WaitToReadAsync(resync.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    // A partial transaction when the change allows one; nft refusing it (the table was changed by hand, say) falls
    // back to the full rewrite, which is always correct.
    private async Task ApplyAsync(string full, string? partial, CancellationToken cancellationToken)
    {
        if (partial is not null)
        {
            try
            {
                await _applier.ApplyAsync(partial, cancellationToken).ConfigureAwait(false);
                PartialApplyCount++;
                return;
            }
            catch (NftException ex)
            {
                Log.PartialFailed(_logger, NftRenderer.TableName, ex.Message);
            }
        }

        await _applier.ApplyAsync(full, cancellationToken).ConfigureAwait(false);
    }

    // After the new rules are live, so a flow deleted here is re-created against the new rules, never the old ones.
    private async Task FlushStaleUdpAsync(IReadOnlyList<string[]> plan, CancellationToken cancellationToken)
    {
        if (_conntrackMissing)
        {
            return;
        }

        foreach (var args in plan)
        {
            try
            {
                await _conntrack.DeleteAsync(args, cancellationToken).ConfigureAwait(false);
                Log.ConntrackFlushed(_logger, string.Join(' ', args));
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                // Not installed: UDP clients may stick to removed endpoints until their flows time out.
                _conntrackMissing = true;
                Log.ConntrackMissing(_logger, _options.ConntrackPath, ex.Message);
                return;
            }
            catch (InvalidOperationException ex)
            {
                Log.ConntrackFailed(_logger, ex.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Applied nftables table with {Ports} service ports in {Milliseconds} ms (full resync: {Full})", EventName = "Synced")]
        public static partial void Synced(ILogger logger, int ports, long milliseconds, bool full);

        [LoggerMessage(2, LogLevel.Warning, "Applying nftables table {Table} failed: {Error}", EventName = "ApplyFailed")]
        public static partial void ApplyFailed(ILogger logger, string table, string error);

        [LoggerMessage(3, LogLevel.Information, "Removed nftables table {Table}", EventName = "TableRemoved")]
        public static partial void TableRemoved(ILogger logger, string table);

        [LoggerMessage(4, LogLevel.Warning, "Removing nftables table {Table} failed: {Error}", EventName = "CleanupFailed")]
        public static partial void CleanupFailed(ILogger logger, string table, string error);

        [LoggerMessage(5, LogLevel.Debug, "Deleted stale UDP conntrack entries: conntrack {Arguments}", EventName = "ConntrackFlushed")]
        public static partial void ConntrackFlushed(ILogger logger, string arguments);

        [LoggerMessage(6, LogLevel.Warning, "The conntrack tool ({Path}) cannot run ({Error}): stale UDP flows of removed endpoints are not deleted; install conntrack", EventName = "ConntrackMissing")]
        public static partial void ConntrackMissing(ILogger logger, string path, string error);

        [LoggerMessage(7, LogLevel.Warning, "Deleting stale UDP conntrack entries failed: {Error}", EventName = "ConntrackFailed")]
        public static partial void ConntrackFailed(ILogger logger, string error);

        [LoggerMessage(8, LogLevel.Information, "Partial update of nftables table {Table} failed, rewriting it whole: {Error}", EventName = "PartialFailed")]
        public static partial void PartialFailed(ILogger logger, string table, string error);
    }
}
