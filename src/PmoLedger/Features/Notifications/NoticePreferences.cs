using System.Net;
using System.Security.Cryptography;
using System.Text;
using PmoLedger.Features.Practitioners;
using PmoLedger.Web;

namespace PmoLedger.Features.Notifications;

/// <summary>The practitioner stopped an optional kind of notice, from the link in a mail or their account page.</summary>
public sealed record NoticesStopped(string Kind, DateTimeOffset At);

/// <summary>The practitioner asked for an optional kind of notice again, from their account page.</summary>
public sealed record NoticesResumed(string Kind, DateTimeOffset At);

/// <summary>
/// Which optional notices a practitioner receives. Kept as events on their stream, so when someone stopped or resumed
/// them is on the record. The notices the scheme obliges us to send (renewal, expiry, CPD audit) are not among them.
/// </summary>
public static class NoticePreferences
{
    /// <summary>The kinds a practitioner may stop.</summary>
    public static readonly string[] Optional = [BadgeNotices.Kind];

    /// <summary>Stop (<paramref name="send"/> false) or resume a kind; nothing when it is already so or not stoppable.</summary>
    public static IReadOnlyList<object> Decide(Practitioner practitioner, string kind, bool send, DateTimeOffset now)
    {
        if (!Optional.Contains(kind) || send != practitioner.StoppedNotices.Contains(kind)) return [];
        return send ? [new NoticesResumed(kind, now)] : [new NoticesStopped(kind, now)];
    }

    /// <summary>The stop link's account for a practitioner: apart from staff accounts, whose ids are lookup hashes.</summary>
    public static string Account(Guid practitionerId) => $"practitioner:{practitionerId:D}";

    public static string StopLink(KeyRing keys, string baseUrl, Guid practitionerId, string kind) =>
        ProviderDigest.StopLink(keys, baseUrl, Account(practitionerId), kind);
}

/// <summary>The one-click stop of an optional notice, from the link in the mail (no sign-in needed: the link is signed).</summary>
public static class StopNoticesEndpoint
{
    public static readonly string[] Optional = [ProviderDigest.Kind, .. NoticePreferences.Optional];

    // A link in a mail, answered with a page: not part of the API's description.
    [ExcludeFromDescription]
    [WolverineGet("/notifications/stop", OperationId = "stopNotices")]
    [AllowAnonymous]
    public static async Task<IResult> Get(string? account, string? kind, string? signature, IDocumentSession session, KeyRing keys,
        WebSettings web, TimeProvider clock, CancellationToken ct)
    {
        var invalid = Results.Problem(Problems.NotFound("This link is not valid."));
        if (account is null || kind is null || signature is null || !Optional.Contains(kind)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ProviderDigest.Signature(keys, account, kind)), Encoding.ASCII.GetBytes(signature)))
            return invalid;

        if (account.StartsWith("practitioner:", StringComparison.Ordinal))
        {
            if (!Guid.TryParse(account["practitioner:".Length..], out var id) || !NoticePreferences.Optional.Contains(kind)) return invalid;
            var stream = await session.Events.FetchForWriting<Practitioner>(id, ct);
            if (stream.Aggregate is not { } practitioner) return invalid;
            session.LastModifiedBy = NoticePreferences.Account(id);
            stream.AppendMany(NoticePreferences.Decide(practitioner, kind, send: false, clock.GetUtcNow()));
            await session.SaveChangesAsync(ct);
            var page = $"{(web.PublicUrl ?? "").TrimEnd('/')}/me/account";
            return Stopped($"<p>You can turn them back on from <a href=\"{WebUtility.HtmlEncode(page)}\">your account page</a>.</p>");
        }

        if (await session.LoadAsync<StaffMember>(account, ct) is not { } staff) return invalid;
        if (!staff.StoppedNotices.Contains(kind))
        {
            staff.StoppedNotices = [.. staff.StoppedNotices, kind];
            session.Store(staff);
            await session.SaveChangesAsync(ct);
        }
        return Stopped("");
    }

    private static IResult Stopped(string more) => Results.Content(
        $"<!doctype html><html lang=\"en-GB\"><title>Stopped</title><p>You will no longer receive these notices.</p>{more}</html>", "text/html; charset=utf-8");
}
