using JasperFx;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

/// <summary>
/// Runs one of the API's writes on a practitioner's record from a page: the route's own validation
/// against the current state, then its decision, appended and committed the way Wolverine would
/// (the outbox enrolled for the messages it schedules, the signed-in person recorded as the user).
/// </summary>
public sealed class WebWrite(IDocumentSession session, IMartenOutbox outbox)
{
    public async Task<ProblemDetails> OnPractitioner(ClaimsPrincipal user, Guid id, Func<Practitioner, ProblemDetails> validate,
        Func<Practitioner, (IEnumerable<object> Events, OutgoingMessages Messages)> decide, CancellationToken ct)
    {
        Begin(user);
        var stream = await session.Events.FetchForWriting<Practitioner>(id, ct);
        if (stream.Aggregate is null) return Problems.NotFound($"No practitioner {id}.");
        var problem = validate(stream.Aggregate);
        if (!WebRead.Allowed(problem)) return problem;
        var (events, messages) = decide(stream.Aggregate);
        stream.AppendMany(events.ToArray());
        return await Commit(messages, ct) is { } failed ? failed : problem;
    }

    /// <summary>Before an endpoint method that writes through the session: the signed-in person on the events, the outbox enrolled.</summary>
    public void Begin(ClaimsPrincipal user)
    {
        session.LastModifiedBy = user.Identity?.Name;
        outbox.Enroll(session);
    }

    /// <summary>Commits what an endpoint method did on the session, with the messages it returned; a problem when the commit was refused.</summary>
    public async Task<ProblemDetails?> Commit(IEnumerable<object> messages, CancellationToken ct)
    {
        // The route returns its side effects as cascading messages; here they go through the outbox the session is enrolled in.
        foreach (var message in messages)
        {
            if (message is ISendMyself scheduled) await scheduled.ApplyAsync((IMessageContext)outbox);
            else await outbox.PublishAsync(message);
        }
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.Is(e))
        {
            // The API answers the same lost race with 409; the page keeps the form and shows this under "form".
            return Problems.Conflict("Your record changed at the same moment. Nothing was saved; please submit again.");
        }
        catch (PersonalDataErasedException)
        {
            // A session that outlived the person's erasure: nothing personal may be recorded for them any more.
            return Problems.Conflict("This record's personal data was erased; nothing personal can be recorded on it.");
        }
        return null;
    }

    /// <summary>A date field as a browser sends it (yyyy-MM-dd); blank is null, anything else unreadable is a field error.</summary>
    public static DateOnly? ReadDate(string? text, string field, Problems unreadable)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Clock.TryParseDate(text, out var day)) return day;
        unreadable.Add(field, $"'{field}' must be a date (yyyy-MM-dd).");
        return null;
    }

    /// <summary>A number field as typed; blank is null, anything else unreadable is a field error.</summary>
    public static decimal? ReadNumber(string? text, string field, Problems unreadable)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (decimal.TryParse(text.Trim(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var n)) return n;
        unreadable.Add(field, $"'{field}' must be a number, e.g. 2.5.");
        return null;
    }

    /// <summary>The API's validation errors with the fields that could not even be read put first, replacing the API's "required".</summary>
    public static IDictionary<string, string[]> Merge(ProblemDetails validation, Problems unreadable)
    {
        var errors = Errors(validation);
        foreach (var (field, messages) in unreadable.Errors) errors[field] = messages;
        return errors;
    }

    /// <summary>Field errors of a problem, keyed as the API names the fields; other problems under "form".</summary>
    public static IDictionary<string, string[]> Errors(ProblemDetails problem) => problem switch
    {
        HttpValidationProblemDetails invalid => new Dictionary<string, string[]>(invalid.Errors),
        _ when WebRead.Allowed(problem) => new Dictionary<string, string[]>(),
        _ => new Dictionary<string, string[]> { ["form"] = [problem.Detail ?? problem.Title ?? "The request failed."] }
    };
}
