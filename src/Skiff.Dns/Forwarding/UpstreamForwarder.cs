using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Skiff.Dns.Forwarding;

/// <summary>
/// Forwards names outside the cluster zone to upstream resolvers and caches their answers for the smallest TTL in
/// the answer (negative answers for the SOA's minimum, capped), with a bounded number of entries. Thread-safe.
/// </summary>
internal sealed class UpstreamForwarder
{
    private readonly DnsClient _client;
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private readonly TimeSpan _maxTtl;
    private readonly ConcurrentDictionary<(string Name, RecordType Type, RecordClass Class), CacheEntry> _cache = new();

    public UpstreamForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeProvider timeProvider, int maxEntries = 10_000, TimeSpan? maxTtl = null, int timeoutMilliseconds = 2000)
    {
        if (upstreams.Count == 0)
        {
            throw new ArgumentException("at least one upstream resolver is needed", nameof(upstreams));
        }

        // ARSoft's client transports carry one port for all servers; upstreams share the first one's port.
        var port = upstreams[0].Port;
        _client = new DnsClient(upstreams.Select(u => u.Address), [new UdpClientTransport(port), new TcpClientTransport(port)], false, timeoutMilliseconds);
        _time = timeProvider;
        _maxEntries = maxEntries;
        _maxTtl = maxTtl ?? TimeSpan.FromMinutes(30);
    }

    /// <summary>How many answers came from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    private long _cacheHits;

    /// <summary>Answers <paramref name="question"/> from the cache or upstream; null when no upstream answered.</summary>
    public async Task<DnsMessage?> ForwardAsync(DnsQuestion question, CancellationToken cancellationToken)
    {
        var key = (question.Name.ToString().ToLowerInvariant(), question.RecordType, question.RecordClass);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached))
        {
            if (cached.Expires > now)
            {
                Interlocked.Increment(ref _cacheHits);
                return cached.Response;
            }

            _cache.TryRemove(key, out _);
        }

        var query = new DnsMessage { IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(question.Name, question.RecordType, question.RecordClass));
        var response = await _client.SendMessageAsync(query, cancellationToken).ConfigureAwait(false);
        if (response is null || response.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain))
        {
            return response;
        }

        var ttl = CacheTtl(response);
        if (ttl > TimeSpan.Zero)
        {
            if (_cache.Count >= _maxEntries)
            {
                Evict(now);
            }

            _cache[key] = new CacheEntry(response, now + ttl);
        }

        return response;
    }

    private TimeSpan CacheTtl(DnsMessage response)
    {
        int seconds;
        if (response.AnswerRecords.Count > 0)
        {
            seconds = response.AnswerRecords.Min(r => r.TimeToLive);
        }
        else
        {
            // Negative answer (RFC 2308): the SOA's TTL bounded by its minimum field.
            var soa = response.AuthorityRecords.OfType<SoaRecord>().FirstOrDefault();
            seconds = soa is null ? 5 : Math.Min(soa.TimeToLive, soa.NegativeCachingTTL);
        }

        var ttl = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return ttl > _maxTtl ? _maxTtl : ttl;
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, entry) in _cache)
        {
            if (entry.Expires <= now)
            {
                _cache.TryRemove(key, out _);
            }
        }

        // Still full of live entries: drop the ones closest to expiry until a tenth is free.
        if (_cache.Count >= _maxEntries)
        {
            foreach (var (key, _) in _cache.OrderBy(e => e.Value.Expires).Take(Math.Max(1, _maxEntries / 10)).ToList())
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    /// <summary>Nameservers listed in a resolv.conf file (port 53).</summary>
    public static IReadOnlyList<IPEndPoint> ReadResolvConf(string path = "/etc/resolv.conf")
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var servers = new List<IPEndPoint>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver" && IPAddress.TryParse(parts[1], out var ip))
            {
                servers.Add(new IPEndPoint(ip, 53));
            }
        }

        return servers;
    }

    private sealed record CacheEntry(DnsMessage Response, DateTimeOffset Expires);
}
