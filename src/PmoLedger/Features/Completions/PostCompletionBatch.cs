using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Microsoft.Extensions.Options;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

/// <summary>Whom a batch item is for: exactly one of the two.</summary>
/// <summary>Who an item is for: read from the item alongside its completion fields, which it skips.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record BatchTarget(Guid? PractitionerId, string? PractitionerEmail);

/// <summary>One item of a batch as read from the body, or the reason it could not be read.</summary>
public sealed record BatchEntry(BatchTarget? Target, CompleteTraining? Completion, ProblemDetails? Unreadable = null);

public sealed record BatchResult(
    int Index, int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? CompletionId,
    // object, so a validation problem is written with its 'errors' (the declared type would drop them).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Problem);

public sealed record BatchResponse(IReadOnlyList<BatchResult> Results);

/// <summary>
/// Many completions in one request, each answered as it would be alone. Reads and writes are
/// batched: one round trip for receipts, emails and aggregates (a second only for practitioners
/// found by email) and one commit; only a commit that loses a race falls back to item by item.
/// </summary>
public static class CompletionBatch
{
    public const int MaxItems = 500;

    public static async Task<IReadOnlyList<BatchResult>> Ingest(IDocumentStore store, IMartenOutbox outbox, TimeProvider clock,
        Poster poster, IReadOnlyList<BatchEntry> entries, CancellationToken ct)
    {
        var today = clock.Today();
        var outcomes = new IngestOutcome?[entries.Count];
        var valid = new (BatchTarget Target, CompletionFields Fields)?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Unreadable is not null) { outcomes[i] = IngestOutcome.Invalid(entry.Unreadable); continue; }
            var problems = new Problems();
            var fields = CompletionFields.Parse(entry.Completion!, problems, today);
            var target = entry.Target!;
            if ((target.PractitionerId is null) == string.IsNullOrWhiteSpace(target.PractitionerEmail))
                problems.Add("practitionerId", "Give exactly one of 'practitionerId' and 'practitionerEmail'.");
            if (problems.Any) outcomes[i] = IngestOutcome.Invalid(problems.ToProblem());
            else valid[i] = (target, fields!);
        }

        await using var session = poster.OpenSession(store);
        outbox.Enroll(session);
        var streams = new Dictionary<Guid, Task<IEventStream<Practitioner>>>();
        var receiptIds = valid.OfType<(BatchTarget, CompletionFields Fields)>()
            .Select(v => CompletionReceipt.Key(poster.ProviderId, v.Fields.ProviderReference)).Distinct().ToArray();
        var emailKeys = valid.Select(v => v?.Target.PractitionerEmail).OfType<string>().Select(PractitionerEmail.Key).Distinct().ToArray();

        var first = session.CreateBatchQuery();
        var receiptsLoad = first.LoadMany<CompletionReceipt>().ById(receiptIds);
        var emailsLoad = first.LoadMany<PractitionerEmail>().ById(emailKeys);
        foreach (var id in valid.Select(v => v?.Target.PractitionerId).OfType<Guid>().Distinct())
            streams[id] = first.Events.FetchForWriting<Practitioner>(id);
        await first.Execute(ct);

        var emails = (await emailsLoad).ToDictionary(x => x.Id, x => x.PractitionerId);
        var byEmail = emails.Values.Where(id => !streams.ContainsKey(id)).Distinct().ToList();
        if (byEmail.Count > 0)
        {
            var second = session.CreateBatchQuery();
            foreach (var id in byEmail) streams[id] = second.Events.FetchForWriting<Practitioner>(id);
            await second.Execute(ct);
        }

        // Decide in order against what the ledger holds plus what this batch has already decided,
        // so a repeated reference inside the batch is a replay (200) or a conflict (409) like any other.
        var receipts = (await receiptsLoad).ToDictionary(x => x.Id);
        var intakes = new Intake?[entries.Count];
        var staged = false;
        var stagedFor = new HashSet<Guid>();
        var deferred = new List<int>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (valid[i] is not var (target, fields)) continue;
            Guid practitionerId;
            if (target.PractitionerId is { } id) practitionerId = id;
            else if (emails.TryGetValue(PractitionerEmail.Key(target.PractitionerEmail!), out var found)) practitionerId = found;
            else
            {
                outcomes[i] = IngestOutcome.UnknownPractitioner($"No practitioner is registered with the email '{target.PractitionerEmail}'.");
                continue;
            }

            var intake = intakes[i] = new Intake(practitionerId, fields, poster);
            var stream = await streams[practitionerId];
            var decision = CompletionDecision.Decide(intake, receipts.GetValueOrDefault(intake.ReceiptId), stream.Aggregate, today);
            if (decision.Implied is { Count: > 0 } && stagedFor.Contains(practitionerId))
            {
                // Its certification consequences were decided without this batch's earlier postings for
                // the same person: decide it again, alone, once those are committed.
                deferred.Add(i);
                continue;
            }
            if (decision.Receipt is { } receipt) receipts[receipt.Id] = receipt;
            await decision.Stage(session, stream, outbox, clock);
            if (decision.Recorded is not null) stagedFor.Add(practitionerId);
            staged |= decision.Recorded is not null;
            outcomes[i] = decision.Outcome;
        }

        if (staged)
        {
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (CompletionIngest.IsConflict(e))
            {
                // Someone else wrote to one of these records meanwhile: nothing of the batch was kept,
                // so each item goes through the single-item path and stands alone.
                deferred.Clear();
                for (var i = 0; i < entries.Count; i++)
                {
                    if (intakes[i] is { } intake) outcomes[i] = await CompletionIngest.One(store, outbox, clock, intake, ct);
                }
            }
        }
        foreach (var i in deferred) outcomes[i] = await CompletionIngest.One(store, outbox, clock, intakes[i]!, ct);

        return outcomes.Select((o, i) => new BatchResult(i, o!.Status,
            o.Status is StatusCodes.Status200OK or StatusCodes.Status201Created ? o.CompletionId : null, o.Problem)).ToList();
    }

    /// <summary>Reads {items:[...]}; an item that is not a readable completion is a 400 for that item only.</summary>
    public static async Task<(List<BatchEntry>? Entries, ProblemDetails? Problem)> ReadJson(
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
                || !document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
                return (null, Problems.BadRequest("items", "The body must be an object with an 'items' array."));
            if (TooMany(items.GetArrayLength()) is { } tooMany) return (null, tooMany);

            var entries = new List<BatchEntry>();
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    entries.Add(new BatchEntry(null, null, Problems.BadRequest("item", "Each item must be a JSON object.")));
                    continue;
                }
                try
                {
                    var target = item.Deserialize<BatchTarget>(options);
                    // The completion is read strictly, as a single post is: an unknown property is this item's 400.
                    var fields = JsonObject.Create(item, new JsonNodeOptions { PropertyNameCaseInsensitive = true })!;
                    fields.Remove("practitionerId");
                    fields.Remove("practitionerEmail");
                    entries.Add(new BatchEntry(target, fields.Deserialize<CompleteTraining>(options)));
                }
                catch (JsonException e)
                {
                    var (field, message) = ApiRules.Describe(e.Message, typeof(CompleteTraining));
                    entries.Add(new BatchEntry(null, null, Problems.BadRequest(field, message)));
                }
            }
            return (entries, null);
        }
    }

    public static readonly string[] Columns =
        ["practitionerId", "practitionerEmail", "providerReference", "courseCode", "courseTitle", "completedOn", "outcome", "score", "cpdPoints", "evidenceUrl"];

    private static readonly string[] RequiredColumns = ["providerReference", "courseCode", "courseTitle", "completedOn", "outcome"];

    /// <summary>Reads a CSV with a header row. A header it does not know fails the request; a bad row fails that row.</summary>
    public static (List<BatchEntry>? Entries, ProblemDetails? Problem) ReadCsv(string text)
    {
        List<CsvRecord> records;
        try
        {
            records = Csv.Parse(text);
        }
        catch (CsvFormatException e)
        {
            return (null, Problems.BadRequest("body", $"The CSV cannot be read: {e.Message}"));
        }
        if (records.Count == 0) return (null, Problems.BadRequest("body", "The CSV needs a header row naming its columns."));

        var header = records[0].Fields.Select(h => h.Trim()).ToList();
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
        if (TooMany(records.Count - 1) is { } tooMany) return (null, tooMany);

        return (records.Skip(1).Select(r => Row(header, r)).ToList(), null);
    }

    private static BatchEntry Row(List<string> header, CsvRecord record)
    {
        if (record.Fields.Count != header.Count)
            return new BatchEntry(null, null, Problems.BadRequest("row",
                $"Line {record.Line} has {record.Fields.Count} fields; the header has {header.Count}."));

        var cells = header.Zip(record.Fields).ToDictionary(x => x.First, x => string.IsNullOrWhiteSpace(x.Second) ? null : x.Second.Trim());
        string? Cell(string column) => cells.GetValueOrDefault(column);

        var problems = new Problems();
        Guid? practitionerId = null;
        if (Cell("practitionerId") is { } idText)
        {
            if (Guid.TryParse(idText, out var id)) practitionerId = id;
            else problems.Add("practitionerId", "'practitionerId' is not a valid id.");
        }
        DateOnly? completedOn = null;
        if (Cell("completedOn") is { } dateText)
        {
            if (Clock.TryParseDate(dateText, out var day)) completedOn = day;
            else problems.Add("completedOn", "'completedOn' must be a date as YYYY-MM-DD.");
        }
        var score = Number(problems, "score", Cell("score"));
        var cpdPoints = Number(problems, "cpdPoints", Cell("cpdPoints"));
        if (problems.Any) return new BatchEntry(null, null, problems.ToProblem());

        var course = Cell("courseCode") is null && Cell("courseTitle") is null ? null : new CourseInput(Cell("courseCode"), Cell("courseTitle"));
        return new BatchEntry(new BatchTarget(practitionerId, Cell("practitionerEmail")),
            new CompleteTraining(Cell("providerReference"), course, completedOn, Cell("outcome"), score, cpdPoints, Cell("evidenceUrl")));
    }

    private static decimal? Number(Problems problems, string field, string? text)
    {
        if (text is null) return null;
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
        problems.Add(field, $"'{field}' must be a number like 7.5.");
        return null;
    }

    private static ProblemDetails? TooMany(int count) => count > MaxItems
        ? new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge, Title = "Too many items",
            Detail = $"A batch holds at most {MaxItems} completions; this one has {count}. Split it into smaller batches. Nothing was recorded."
        }
        : null;
}

public static class PostCompletionBatchEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user) => Poster.Required(user);

    [EndpointSummary("Post up to 500 completions at once")]
    [EndpointDescription("Providers. JSON `{items:[...]}` (each item a completion plus practitionerId or practitionerEmail) or text/csv with a header row. Each item stands alone: its result carries the status it would get on its own.")]
    [ProducesResponseType<BatchResponse>(200)]
    [ItemsBody("CompletionBatch", CompletionBatch.MaxItems, typeof(BatchTarget), typeof(CompleteTraining))]
    [WolverinePost("/api/completions/batch", OperationId = "postCompletionBatch")]
    [Authorize(Roles = Roles.Provider)]
    public static async Task<IResult> Post(HttpRequest request, ClaimsPrincipal user, IDocumentStore store, IMartenOutbox outbox, TimeProvider clock,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        // Wolverine binds JSON bodies only, so the endpoint reads the body itself and picks the format.
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var (entries, problem) = mediaType switch
        {
            "text/csv" => CompletionBatch.ReadCsv(await ReadText(request, ct)),
            "application/json" => await CompletionBatch.ReadJson(request.Body, json.Value.SerializerOptions, ct),
            _ => (null, new ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported media type",
                Detail = "Send the batch as application/json ({\"items\":[...]}) or as text/csv with a header row."
            })
        };
        if (problem is not null) return Results.Problem(problem);

        var results = await CompletionBatch.Ingest(store, outbox, clock, Poster.From(user), entries!, ct);
        return Results.Ok(new BatchResponse(results));
    }

    private static async Task<string> ReadText(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }
}
