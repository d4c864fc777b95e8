using System.Text.Json;
using JasperFx;
using JasperFx.CommandLine;
using JasperFx.Events;

namespace PmoLedger.Features.Audit;

/// <summary>The event log as NDJSON: one <see cref="AuditedEvent"/> a line, in sequence order, tombstones left out.</summary>
public static class EventExport
{
    public const string ContentType = "application/x-ndjson";
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 100_000;

    private static readonly JsonSerializerOptions Options = Build();
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private static JsonSerializerOptions Build()
    {
        var options = new JsonSerializerOptions();
        Infrastructure.Json.Configure(options);
        return options;
    }

    /// <summary>
    /// Streams events with sequence above <paramref name="after"/> straight from the database reader to
    /// <paramref name="output"/>, so memory stays flat however long the log is. Returns the count written.
    /// </summary>
    public static async Task<long> WriteAsync(IDocumentStore store, Stream output, long after, int? limit,
        Action<long>? progress, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        IQueryable<IEvent> query = session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > after && e.EventTypeName != "tombstone")
            .OrderBy(e => e.Sequence);
        if (limit is { } take) query = query.Take(take);

        var written = 0L;
        await foreach (var e in query.ToAsyncEnumerable(ct))
        {
            await JsonSerializer.SerializeAsync(output, AuditedEvent.From(e), Options, ct);
            await output.WriteAsync(NewLine, ct);
            if (++written % 500 == 0)
            {
                await output.FlushAsync(ct);
                progress?.Invoke(written);
            }
        }
        await output.FlushAsync(ct);
        progress?.Invoke(written);
        return written;
    }

    public static async Task<int> CountAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName != "tombstone").CountAsync(ct);
    }
}

public static class ExportEventsEndpoint
{
    public static ProblemDetails Validate(string? after, string? limit)
    {
        var problems = new Problems();
        Parse(after, limit, problems);
        return problems.ToProblem();
    }

    [EndpointSummary("Export the event log")]
    [EndpointDescription("Auditors. application/x-ndjson, one event a line in sequence order, from `after`.")]
    [ProducesResponseType<string>(200, "application/x-ndjson")]
    [WolverineGet("/api/audit/events", OperationId = "exportEvents")]
    [Authorize(Roles = Roles.Auditor)]
    public static IResult Get(string? after, string? limit, IDocumentStore store, HttpContext context)
    {
        var (from, take) = Parse(after, limit, new Problems());
        return Results.Stream(body => EventExport.WriteAsync(store, body, from, take, null, context.RequestAborted),
            EventExport.ContentType);
    }

    private static (long After, int Limit) Parse(string? after, string? limit, Problems problems)
    {
        long from = 0;
        var take = EventExport.DefaultLimit;
        if (after is not null && (!long.TryParse(after, out from) || from < 0))
            problems.Add("after", "'after' must be a whole number: the last sequence already read (0 for the start).");
        if (limit is not null && (!int.TryParse(limit, out take) || take is <= 0 or > EventExport.MaxLimit))
            problems.Add("limit", $"'limit' must be a whole number from 1 to {EventExport.MaxLimit}.");
        return (from, take);
    }
}

public sealed class ExportEventsInput : NetCoreInput
{
    [Description("The NDJSON file to write (overwritten); a relative path is taken from the directory the command was run in")]
    public string FileFlag { get; set; } = "events.ndjson";
}

[Description("Exports the whole event log to an NDJSON file, one event a line in sequence order", Name = "export-events")]
public sealed class ExportEventsCommand : JasperFxAsyncCommand<ExportEventsInput>
{
    public override async Task<bool> Execute(ExportEventsInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var total = await EventExport.CountAsync(store, CancellationToken.None);

        var path = CallerPath.Resolve(input.FileFlag);
        long written;
        await using (var file = File.Create(path))
        {
            written = await ConsoleProgress.RunAsync("Exporting events",
                progress => EventExport.WriteAsync(store, file, 0, null, n => progress(n, total), CancellationToken.None));
        }
        CommandOutput.Result.WriteLine($"Wrote {written} events to {path}.");
        return true;
    }
}
