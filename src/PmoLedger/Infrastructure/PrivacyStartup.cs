using Npgsql;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Refuses to start, with one line that says what to do, when the configured master key is not this
/// database's, or when the database holds personal data recorded in plain text before it was encrypted.
/// </summary>
public sealed class PrivacyStartupCheck(KeyRing keys, IConfiguration configuration, ILogger<PrivacyStartupCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            keys.CheckMasterKey();
            var connectionString = configuration.GetConnectionString("Ledger")!;
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            if (await HoldsPlaintextAsync(connection, ct)) throw new InvalidOperationException(PlaintextMessage(connectionString));
        }
        catch (InvalidOperationException refusal)
        {
            // The reason on one line of its own, ahead of the host's stack traces.
            logger.LogCritical("PmoLedger refuses to start: {Reason}", refusal.Message);
            throw;
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// A registration whose name is a JSON string rather than a sealed object was recorded before encryption
    /// at rest. Every practitioner stream starts with one, so one such row finds any pre-encryption database.
    /// </summary>
    public static async Task<bool> HoldsPlaintextAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select exists(select 1 from {LedgerStore.Schema}.mt_events where type = 'practitioner_registered' " +
            "and jsonb_typeof(data -> 'fullName') = 'string')", connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public static string PlaintextMessage(string connectionString)
    {
        var db = new NpgsqlConnectionStringBuilder(connectionString);
        return $"Database '{db.Database}' holds personal data in plain text from before encryption at rest, which cannot be " +
               "encrypted without breaking the hash chain (docs/privacy.md); recreate it: " +
               $"psql -h {db.Host} -p {db.Port} -U {db.Username} -d postgres -c 'drop database \"{db.Database}\"' && ./run.sh";
    }
}

/// <summary>
/// Request log lines keep the path and query string, with what may identify a person (query values,
/// an xAPI agent) or sign them in (a sign-in link's secret, which is a path segment) masked.
/// </summary>
public static class LogRedaction
{
    public const string Mask = "***";
    private static readonly HashSet<string> Personal = new(StringComparer.OrdinalIgnoreCase) { "email", "q", "agent" };

    public static void Configure(Serilog.AspNetCore.RequestLoggingOptions options)
    {
        options.MessageTemplate = "HTTP {RequestMethod} {RequestPath}{Query} responded {StatusCode} in {Elapsed:0.0000} ms";
        options.EnrichDiagnosticContext = (diagnostics, http) => diagnostics.Set("Query", Redact(http.Request.QueryString.Value));
        options.GetMessageTemplateProperties = (http, path, elapsed, status) =>
        [
            new Serilog.Events.LogEventProperty("RequestMethod", new Serilog.Events.ScalarValue(http.Request.Method)),
            new Serilog.Events.LogEventProperty("RequestPath", new Serilog.Events.ScalarValue(RedactPath(path))),
            new Serilog.Events.LogEventProperty("StatusCode", new Serilog.Events.ScalarValue(status)),
            new Serilog.Events.LogEventProperty("Elapsed", new Serilog.Events.ScalarValue(elapsed))
        ];
    }

    /// <summary>A sign-in link is "/signin/{secret}": whoever reads the secret in a log could sign in with it.</summary>
    public static string RedactPath(string? path) =>
        path is not null && path.StartsWith("/signin/", StringComparison.OrdinalIgnoreCase) ? "/signin/" + Mask : path ?? "";

    public static string Redact(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?") return "";
        var parts = query.TrimStart('?').Split('&');
        for (var i = 0; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? parts[i] : parts[i][..equals]).Replace('+', ' ')).Trim();
            if (Personal.Contains(name)) parts[i] = $"{(equals < 0 ? parts[i] : parts[i][..equals])}={Mask}";
        }
        return "?" + string.Join('&', parts);
    }
}
