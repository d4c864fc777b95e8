using System.Net.Mail;

namespace PmoLedger.Features.Practitioners;

/// <summary>A mistyped name or email put right; a field left out stays as it is.</summary>
public sealed record CorrectDetails(string? FullName, string? Email);

public static class CorrectDetailsEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin);

    public static ProblemDetails Validate(CorrectDetails? command)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        if (command.FullName is null && command.Email is null)
            problems.Add("body", "Give 'fullName', 'email' or both: the fields to correct.");
        if (command.FullName is not null)
            problems.Required("fullName", command.FullName).MaxLength("fullName", command.FullName, 200);
        if (command.Email is not null)
        {
            problems.Required("email", command.Email).MaxLength("email", command.Email, 254);
            if (!string.IsNullOrWhiteSpace(command.Email) && !IsEmail(command.Email))
                problems.Add("email", "'email' is not a valid email address.");
        }
        return problems.ToProblem();
    }

    /// <summary>A clear 409 before anything is written; the email claim's primary key still decides a race.</summary>
    public static async Task<ProblemDetails> ValidateAsync(CorrectDetails command, Guid id, IQuerySession session, KeyRing keys, CancellationToken ct)
    {
        if (command.Email is null) return WolverineContinue.NoProblems;
        var claim = await session.LoadAsync<PractitionerEmail>(keys.EmailLookupKey(command.Email), ct);
        return claim is not null && claim.PractitionerId != id
            ? Problems.Conflict("Another practitioner is registered with this email.")
            : WolverineContinue.NoProblems;
    }

    [EndpointSummary("Correct a practitioner's name or email")]
    [EndpointDescription("The practitioner or an admin. Recorded as a details-corrected event (who, when, what changed); 409 when the email belongs to someone else or the practitioner's personal data was erased.")]
    [WolverinePatch("/api/practitioners/{id}", OperationId = "correctPractitionerDetails"), EmptyResponse]
    public static Events Patch(CorrectDetails command, [WriteAggregate] Practitioner practitioner, ClaimsPrincipal user,
        IDocumentSession session, KeyRing keys, TimeProvider clock)
    {
        // After an erasure the new values cannot be sealed: saving fails with the 409 every personal write gets.
        var corrected = Decide(practitioner, command, user.Identity?.Name ?? "unknown", clock.Today());
        if (corrected?.Email is { } email && keys.EmailLookupKey(email) != keys.EmailLookupKey(practitioner.Email))
        {
            // The email index follows: the old address is free again, the new one is claimed in the same transaction.
            session.Delete<PractitionerEmail>(keys.EmailLookupKey(practitioner.Email));
            session.Insert(new PractitionerEmail { Id = keys.EmailLookupKey(email), PractitionerId = practitioner.Id });
        }
        return corrected is null ? [] : [corrected];
    }

    /// <summary>The correction, or nothing when the details already read that way.</summary>
    public static PractitionerDetailsCorrected? Decide(Practitioner current, CorrectDetails command, string by, DateOnly today)
    {
        var name = command.FullName?.Trim();
        var email = command.Email?.Trim();
        var nameChanged = name is not null && name != current.FullName;
        var emailChanged = email is not null && email != current.Email;
        if (!nameChanged && !emailChanged) return null;
        var id = current.Id;
        return new PractitionerDetailsCorrected(id,
            nameChanged ? PersonalText.Of(id, name!) : null, nameChanged ? PersonalText.Of(id, current.FullName) : null,
            emailChanged ? PersonalText.Of(id, email!) : null, emailChanged ? PersonalText.Of(id, current.Email) : null, by, today);
    }

    internal static bool IsEmail(string value) =>
        MailAddress.TryCreate(value.Trim(), out var address) && address.Address == value.Trim() && value.Contains('.');
}
