using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using Skiff.Dns.Cluster;
using Skiff.Dns.Forwarding;

namespace Skiff.Dns.Server;

/// <summary>
/// The cluster DNS server: UDP and TCP on one address and port, cluster-zone questions answered by
/// <see cref="ClusterDnsResolver"/>, everything else forwarded through <see cref="UpstreamForwarder"/>.
/// </summary>
internal sealed partial class ClusterDnsServer : IAsyncDisposable
{
    /// <summary>Longest alias chain followed for an ExternalName answer (loops end here).</summary>
    private const int MaxCnameChain = 8;

    private readonly ClusterDnsResolver _resolver;
    private readonly UpstreamForwarder? _forwarder;
    private readonly DnsOptions _options;
    private readonly ILogger _logger;
    private DnsServer? _server;

    public ClusterDnsServer(IClusterDnsData data, DnsOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _resolver = new ClusterDnsResolver(data, options.ClusterDomain, options.Ttl);
        var upstreams = options.Upstreams.Count > 0 ? [.. options.Upstreams] : UpstreamForwarder.ReadResolvConf(options.ResolvConfPath);
        _forwarder = upstreams.Count > 0 ? new UpstreamForwarder(upstreams, timeProvider, options.CacheSize) : null;
        if (_forwarder is null)
        {
            Log.NoUpstreams(logger, options.ResolvConfPath);
        }
    }

    /// <summary>The port actually listened on (differs from the option when that was 0).</summary>
    public int Port { get; private set; }

    public UpstreamForwarder? Forwarder => _forwarder;

    public void Start()
    {
        Port = _options.Port != 0 ? _options.Port : FreePort(_options.ListenAddress);
        var endpoint = new IPEndPoint(_options.ListenAddress, Port);
        _server = new DnsServer(new UdpServerTransport(endpoint), new TcpServerTransport(endpoint));
        _server.QueryReceived += OnQueryReceivedAsync;
        _server.ExceptionThrown += (_, e) =>
        {
            Log.ServerError(_logger, e.Exception.Message);
            return Task.CompletedTask;
        };
        _server.Start();
        Log.Listening(_logger, endpoint.ToString(), _options.ClusterDomain);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Stop();
        _server = null;
        return ValueTask.CompletedTask;
    }

    /// <summary>Answers one query message; public to tests so the mapping can be exercised without sockets.</summary>
    internal async Task<DnsMessage> AnswerAsync(DnsMessage query, CancellationToken cancellationToken)
    {
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = _forwarder is not null;
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }

        var question = query.Questions[0];
        var answer = question.RecordClass is RecordClass.INet or RecordClass.Any
            ? _resolver.Resolve(question.Name, question.RecordType)
            : DnsAnswer.Forward;
        if (!answer.IsForward)
        {
            response.IsAuthoritiveAnswer = true;
            response.ReturnCode = answer.Code;
            response.AnswerRecords.AddRange(answer.Answers);
            response.AuthorityRecords.AddRange(answer.Authority);
            response.AdditionalRecords.AddRange(answer.Additional);
            if (question.RecordType is not (RecordType.CName or RecordType.Any) && answer.Answers is [.., CNameRecord cname])
            {
                await ChaseAsync(response, cname.CanonicalName, question, cancellationToken).ConfigureAwait(false);
            }

            return response;
        }

        if (_forwarder is null)
        {
            response.ReturnCode = ReturnCode.Refused;
            return response;
        }

        try
        {
            var upstream = await _forwarder.ForwardAsync(question, cancellationToken).ConfigureAwait(false);
            if (upstream is null)
            {
                response.ReturnCode = ReturnCode.ServerFailure;
                return response;
            }

            response.ReturnCode = upstream.ReturnCode;
            response.AnswerRecords.AddRange(upstream.AnswerRecords);
            response.AuthorityRecords.AddRange(upstream.AuthorityRecords);
            response.AdditionalRecords.AddRange(upstream.AdditionalRecords.Where(r => r is not OptRecord));
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            Log.ForwardFailed(_logger, question.Name.ToString(), ex.Message);
            response.ReturnCode = ReturnCode.ServerFailure;
        }

        return response;
    }

    // An ExternalName Service answers with a CNAME; like CoreDNS's kubernetes plugin, the answer also carries the
    // target's records of the asked type (from the cluster zone, or upstream), since stub resolvers such as musl's
    // and busybox's do not chase the alias themselves. A failed upstream lookup leaves the bare CNAME.
    private async Task ChaseAsync(DnsMessage response, DomainName target, DnsQuestion question, CancellationToken cancellationToken)
    {
        for (var depth = 0; depth < MaxCnameChain; depth++)
        {
            var local = _resolver.Resolve(target, question.RecordType);
            IReadOnlyList<DnsRecordBase> records;
            if (!local.IsForward)
            {
                records = local.Answers;
            }
            else if (_forwarder is null)
            {
                return;
            }
            else
            {
                try
                {
                    var upstream = await _forwarder.ForwardAsync(new DnsQuestion(target, question.RecordType, question.RecordClass), cancellationToken).ConfigureAwait(false);
                    records = upstream?.ReturnCode == ReturnCode.NoError ? upstream.AnswerRecords : [];
                }
                catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or OperationCanceledException)
                {
                    Log.ForwardFailed(_logger, target.ToString(), ex.Message);
                    return;
                }

                // Upstream chased any further aliases itself.
                response.AnswerRecords.AddRange(records);
                return;
            }

            response.AnswerRecords.AddRange(records);
            if (records is not [.., CNameRecord next])
            {
                return;
            }

            target = next.CanonicalName;
        }
    }

    private async Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage query)
        {
            e.Response = await AnswerAsync(query, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // ARSoft binds the port itself and does not report it back: find a port free for both UDP and TCP.
    private static int FreePort(IPAddress address)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(address, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"no free UDP+TCP port on {address}");
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Cluster DNS listening on {Endpoint} (UDP and TCP) for zone {Zone}", EventName = "Listening")]
        public static partial void Listening(ILogger logger, string endpoint, string zone);

        [LoggerMessage(2, LogLevel.Warning, "No upstream resolvers in {Path}: names outside the cluster are refused", EventName = "NoUpstreams")]
        public static partial void NoUpstreams(ILogger logger, string path);

        [LoggerMessage(3, LogLevel.Debug, "Forwarding {Name} upstream failed: {Error}", EventName = "ForwardFailed")]
        public static partial void ForwardFailed(ILogger logger, string name, string error);

        [LoggerMessage(4, LogLevel.Warning, "DNS server error: {Error}", EventName = "ServerError")]
        public static partial void ServerError(ILogger logger, string error);
    }
}
