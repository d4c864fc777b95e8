using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CsvHelper;
using JasperFx.Events;
using Microsoft.Extensions.Options;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

/// <summary>Whom a completion is for: by id, or (in a batch) by registered email.</summary>
public sealed record PractitionerRef(Guid? Id, string? Email);

/// <summary>One completion to record: the command every intake path produces.</summary>
public sealed record IntakeItem(PractitionerRef Target, Completion Completion);

/// <summary>
/// Records completions: reads what the ledger holds for them in one round trip (a second only for
/// practitioners found by email), decides each in order against that state plus the batch's own
/// earlier decisions, and commits once. A commit that loses a race is retried whole. The credentials the new
/// facts imply are settled in that same transaction (almost always: nothing to issue, decided without I/O), so no
/// second transaction follows it (<see cref="CredentialSettlement.SettledInTransaction"/>).
/// </summary>
public sealed class CompletionIntake(IDocumentStore store, IMartenOutbox outbox, TimeProvider clock, KeyRing keys, CredentialIssuer issuer,
    ILogger<CompletionIntake> logger)
{
    public DateOnly Today => clock.Today();

    public async Task<IngestOutcome[]> Record(Poster poster, IReadOnlyList<IntakeItem> items, CancellationToken ct) => items.Count == 0
        ? []
        : await WriteConflicts.Retry(async () =>
        {
            await using var session = OpenSession(poster);
            var (outcomes, staged) = await Stage(session, poster, items, ct);
            if (staged) await session.SaveChangesAsync(ct);
            return outcomes;
        }, () => items.Select(_ => IngestOutcome.Busy).ToArray(), logger, ct);

    /// <summary>
    /// The session <see cref="Stage"/> needs: an identity map, so the read models it loads in its batch are the ones the
    /// inline projections update (otherwise each projection loads its document in a round trip of its own during the
    /// commit), and the outbox, for the messages the decisions schedule.
    /// </summary>
    public IDocumentSession OpenSession(Poster poster)
    {
        var session = store.IdentitySession();
        session.LastModifiedBy = poster.UserName;
        outbox.Enroll(session);
        return session;
    }

    /// <summary>
    /// Decides the items and stages what they record in <paramref name="session"/> (from <see cref="OpenSession"/>);
    /// the caller commits, so other facts (the xAPI statements the completions come from) share the transaction.
    /// </summary>
    public async Task<(IngestOutcome[] Outcomes, bool Staged)> Stage(IDocumentSession session, Poster poster, IReadOnlyList<IntakeItem> items, CancellationToken ct)
    {
        var now = clock.GetUtcNow();

        var first = session.CreateBatchQuery();
        var receiptsLoad = first.LoadMany<CompletionReceipt>().ById(items.Select(i => poster.ReceiptId(i.Completion)).Distinct().ToArray());
        var emailsLoad = first.LoadMany<PractitionerEmail>().ById(items.Select(i => i.Target.Email).OfType<string>().Select(keys.EmailLookupKey).Distinct().ToArray());
        var streams = new Dictionary<Guid, Task<IEventStream<Practitioner>>>();
        // The all-zero id names nobody, and Marten refuses it as a stream id.
        foreach (var id in items.Select(i => i.Target.Id).OfType<Guid>().Where(id => !UnusableIds.IsUnusable(id)).Distinct())
            streams[id] = first.Events.FetchForWriting<Practitioner>(id);
        PractitionerReadModels.Preload(first, streams.Keys);
        await first.Execute(ct);

        var emails = (await emailsLoad).ToDictionary(x => x.Id, x => x.PractitionerId);
        if (emails.Values.Where(id => !streams.ContainsKey(id)).Distinct().ToList() is { Count: > 0 } byEmail)
        {
            var second = session.CreateBatchQuery();
            foreach (var id in byEmail) streams[id] = second.Events.FetchForWriting<Practitioner>(id);
            PractitionerReadModels.Preload(second, byEmail);
            await second.Execute(ct);
        }

        var receipts = (await receiptsLoad).ToDictionary(x => x.Id);
        var states = new Dictionary<Guid, Practitioner?>();
        var outcomes = new IngestOutcome[items.Count];
        var staged = false;
        for (var i = 0; i < items.Count; i++)
        {
            var (target, completion) = items[i];
            Guid practitionerId;
            if (target.Id is { } id) practitionerId = id;
            else if (emails.TryGetValue(keys.EmailLookupKey(target.Email!), out var found)) practitionerId = found;
            else
            {
                outcomes[i] = IngestOutcome.NotFound($"No practitioner is registered with the email '{target.Email}'.");
                continue;
            }

            var stream = streams.GetValueOrDefault(practitionerId) is { } load ? await load : null;
            var state = states.TryGetValue(practitionerId, out var decided) ? decided : stream?.Aggregate;
            var decision = CompletionDecision.Decide(completion, practitionerId, state, receipts.GetValueOrDefault(poster.ReceiptId(completion)),
                poster, Guid.CreateVersion7(), now);
            outcomes[i] = IngestOutcome.Of(decision);
            if (decision is not CompletionDecision.Record record) continue;

            session.Insert(record.Receipt);
            receipts[record.Receipt.Id] = record.Receipt;
            stream!.AppendMany(record.Events);
            states[practitionerId] = state!.Then(record.Events);
            await outbox.ScheduleAll(record.Messages);
            staged = true;
        }

        if (!staged) return (outcomes, false);
        foreach (var (practitionerId, state) in states)
            (await streams[practitionerId]).AppendMany(await issuer.SettleAsync(session, state!, ct));
        CredentialSettlement.SettledInTransaction(session);
        return (outcomes, true);
    }
}

/// <summary>The inline read models of a practitioner's stream that every completion changes.</summary>
public static class PractitionerReadModels
{
    /// <summary>Loads them into the session with the batch, so the commit finds them in its identity map.</summary>
    public static void Preload(Marten.Services.BatchQuerying.IBatchedQuery batch, IEnumerable<Guid> practitionerIds)
    {
        var ids = practitionerIds.ToArray();
        if (ids.Length == 0) return;
        batch.LoadMany<Timeline>().ById(ids);
        batch.LoadMany<PractitionerProfile>().ById(ids);
    }
}

/// <summary>One item of a JSON batch, or one CSV row: a completion and whom it is for.</summary>
public sealed record BatchItem(
    Guid? PractitionerId, string? PractitionerEmail, string? ProviderReference, CourseInput? Course, DateOnly? CompletedOn,
    string? Outcome, decimal? Score, decimal? CpdPoints, string? EvidenceUrl)
{
    public IntakeItem? Parse(Problems problems, DateOnly today)
    {
        var completion = new CompleteTraining(ProviderReference, Course, CompletedOn, Outcome, Score, CpdPoints, EvidenceUrl).Parse(problems, today);
        if ((PractitionerId is null) == string.IsNullOrWhiteSpace(PractitionerEmail))
            problems.Add("practitionerId", "Give exactly one of 'practitionerId' and 'practitionerEmail'.");
        return problems.Any ? null : new IntakeItem(new PractitionerRef(PractitionerId, PractitionerEmail?.Trim()), completion!);
    }
}

public sealed record BatchResult(
    int Index, int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? CompletionId,
    // object, so a validation problem is written with its 'errors' (the declared type would drop them).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Problem);

public sealed record BatchResponse(IReadOnlyList<BatchResult> Results);

public static class PostCompletionBatchEndpoint
{
    public const int MaxItems = 500;

    public static readonly string[] Columns =
        ["practitionerId", "practitionerEmail", "providerReference", "courseCode", "courseTitle", "completedOn", "outcome", "score", "cpdPoints", "evidenceUrl"];

    private static readonly string[] RequiredColumns = ["providerReference", "courseCode", "courseTitle", "completedOn", "outcome"];

    public static ProblemDetails Before(ClaimsPrincipal user) => Poster.Required(user);

    /// <summary>Many completions in one request, each answered as it would be alone.</summary>
    [EndpointSummary("Post up to 500 completions at once")]
    [EndpointDescription("Providers. JSON `{items:[...]}` (each item a completion plus practitionerId or practitionerEmail) or text/csv with a header row. Each item stands alone: its result carries the status it would get on its own.")]
    [ProducesResponseType<BatchResponse>(200)]
    [ItemsBody("CompletionBatch", MaxItems, typeof(BatchItem))]
    [WolverinePost("/api/completions/batch", OperationId = "postCompletionBatch")]
    [Authorize(Roles = Roles.Provider)]
    public static async Task<IResult> Post(HttpRequest request, ClaimsPrincipal user, CompletionIntake intake,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IDocumentStore store, IMartenOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        // Wolverine binds JSON bodies only, so the endpoint reads the body itself and picks the format.
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var csv = mediaType == "text/csv";
        var (items, problem) = mediaType switch
        {
            "text/csv" => ReadCsv(await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(ct), json.Value.SerializerOptions),
            "application/json" => await ReadJson(request.Body, json.Value.SerializerOptions, ct),
            _ => (null, new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported media type",
                Detail = "Send the batch as application/json ({\"items\":[...]}) or as text/csv with a header row."
            })
        };
        if (problem is not null) return Results.Problem(problem);
        var poster = Poster.From(user);
        var results = await Record(items!, poster, intake, ct);
        // A file a platform uploads unattended: its refused rows go into the provider's daily digest too.
        if (csv) await CsvRefusals.RecordAsync(store, outbox, poster.ProviderId, results, clock.GetUtcNow(), ct);
        return Results.Ok(new BatchResponse(results));
    }

    /// <summary>Parses each item once (it becomes the command, or the 400 it gets on its own) and records the valid ones together.</summary>
    public static async Task<IReadOnlyList<BatchResult>> Record(IReadOnlyList<(BatchItem? Item, ProblemDetails? Unreadable)> items, Poster poster,
        CompletionIntake intake, CancellationToken ct)
    {
        var outcomes = new IngestOutcome[items.Count];
        var valid = new List<(int Index, IntakeItem Item)>();
        for (var i = 0; i < items.Count; i++)
        {
            var problems = new Problems();
            if (items[i].Unreadable is { } unreadable) outcomes[i] = IngestOutcome.Invalid(unreadable);
            else if (items[i].Item!.Parse(problems, intake.Today) is { } item) valid.Add((i, item));
            else outcomes[i] = IngestOutcome.Invalid(problems.ToProblem());
        }
        var recorded = await intake.Record(poster, valid.Select(v => v.Item).ToList(), ct);
        for (var n = 0; n < valid.Count; n++) outcomes[valid[n].Index] = recorded[n];
        return outcomes.Select((o, i) => new BatchResult(i, o.Status, o.CompletionId, o.Problem)).ToList();
    }

    /// <summary>Reads {items:[...]}; an item that is not a readable completion is a 400 for that item only.</summary>
    public static async Task<(List<(BatchItem? Item, ProblemDetails? Unreadable)>? Items, ProblemDetails? Problem)> ReadJson(
        Stream body, JsonSerializerOptions options, CancellationToken ct)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest("body", $"The body is not valid JSON: {e.Message}"));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("items", out var array) || array.ValueKind != JsonValueKind.Array)
                return (null, Problems.BadRequest("items", "The body must be an object with an 'items' array."));
            if (TooMany(array.GetArrayLength()) is { } tooMany) return (null, tooMany);

            var items = array.EnumerateArray().Select(element => element.ValueKind == JsonValueKind.Object
                ? Item(element, options)
                : ((BatchItem?)null, Problems.BadRequest("item", "Each item must be a JSON object."))).ToList();
            return (items, null);
        }
    }

    /// <summary>Reads a CSV with a header row. A header it does not know fails the request; a bad row fails that row.</summary>
    public static (List<(BatchItem? Item, ProblemDetails? Unreadable)>? Items, ProblemDetails? Problem) ReadCsv(string text, JsonSerializerOptions options)
    {
        // A row is read as the JSON item it stands for, so both formats type and check values alike.
        var cellOptions = new JsonSerializerOptions(options) { NumberHandling = JsonNumberHandling.AllowReadingFromString };
        var csvOptions = CsvReaderOptions.Default with
        {
            Separator = ',', MalformedData = CsvMalformedDataHandling.Throw, TrackLineNumbers = true, TrimWhitespace = true
        };
        try
        {
            using var reader = CsvReader.FromText(text, csvOptions);
            var header = reader.Headers.ToList();
            if (header.Count == 0) return (null, Problems.BadRequest("body", "The CSV needs a header row naming its columns."));

            var problems = new Problems();
            foreach (var unknown in header.Where(h => !Columns.Contains(h)))
                problems.Add("columns", $"Unknown column '{unknown}'; the columns are: {string.Join(", ", Columns)}.");
            foreach (var twice in header.GroupBy(h => h).Where(g => g.Count() > 1))
                problems.Add("columns", $"Column '{twice.Key}' appears more than once.");
            foreach (var missing in RequiredColumns.Where(c => !header.Contains(c)))
                problems.Add("columns", $"Column '{missing}' is required.");
            if (!header.Contains("practitionerId") && !header.Contains("practitionerEmail"))
                problems.Add("columns", "A 'practitionerId' or a 'practitionerEmail' column is required.");
            if (problems.Any) return (null, problems.ToProblem());

            var items = new List<(BatchItem?, ProblemDetails?)>();
            foreach (var row in reader)
            {
                if (TooMany(items.Count + 1) is { } tooMany) return (null, tooMany);
                if (row.FieldCount != header.Count)
                {
                    items.Add((null, Problems.BadRequest("row", $"Line {reader.LineNumber} has {row.FieldCount} fields; the header has {header.Count}.")));
                    continue;
                }
                var item = new JsonObject();
                for (var i = 0; i < header.Count; i++)
                {
                    if (row.GetString(i) is not { Length: > 0 } value) continue;
                    if (header[i] is "courseCode" or "courseTitle")
                        ((JsonObject)(item["course"] ??= new JsonObject()))[header[i] == "courseCode" ? "code" : "title"] = value;
                    else item[header[i]] = value;
                }
                items.Add(Item(JsonSerializer.SerializeToElement(item), cellOptions));
            }
            return (items, null);
        }
        catch (CsvFormatException e)
        {
            return (null, Problems.BadRequest("body", $"The CSV cannot be read at line {e.LineNumber}: {e.Message}"));
        }
    }

    private static (BatchItem?, ProblemDetails?) Item(JsonElement element, JsonSerializerOptions options)
    {
        try
        {
            return (element.Deserialize<BatchItem>(options), null);
        }
        catch (JsonException e)
        {
            // Read strictly, as a single post is: an unknown property is this item's 400. The forms below are
            // said without JSON's terms, since a CSV cell is always text.
            var (field, message) = ApiRules.Describe(e.Message, typeof(BatchItem));
            return (null, Problems.BadRequest(field, Expected.TryGetValue(field, out var expected) ? $"'{field}' must be {expected}." : message));
        }
    }

    private static readonly Dictionary<string, string> Expected = new()
    {
        ["practitionerId"] = "an id like 0193c5a8-7b4e-7c2d-9f1a-2b3c4d5e6f70", ["completedOn"] = "a date as YYYY-MM-DD",
        ["score"] = "a number like 0.85", ["cpdPoints"] = "a number like 7.5"
    };

    private static ProblemDetails? TooMany(int count) => count > MaxItems
        ? new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge, Title = "Too many items",
            Detail = $"A batch holds at most {MaxItems} completions; this one has {count}. Split it into smaller batches. Nothing was recorded."
        }
        : null;
}
