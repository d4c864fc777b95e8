namespace PmoLedger.Features.Practitioners;

public sealed record RegisterPractitioner(string? FullName, string? Email);

public sealed record PractitionerCreated(Guid Id) : CreationResponse($"/api/practitioners/{Id}");

/// <summary>
/// Claims an email address. Its id is the address's keyed hash (<see cref="KeyRing.EmailLookupKey"/>), so the
/// database's primary key makes registration unique case-insensitively even under concurrent requests, and the
/// table holds no address.
/// </summary>
[ConflictMessage("A practitioner with this email is already registered.")]
public sealed class PractitionerEmail
{
    public string Id { get; set; } = "";
    public Guid PractitionerId { get; set; }
}

public static class RegisterPractitionerEndpoint
{
    public static ProblemDetails Validate(RegisterPractitioner? command)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems()
            .Required("fullName", command.FullName).MaxLength("fullName", command.FullName, 200)
            .Required("email", command.Email).MaxLength("email", command.Email, 254);
        if (!string.IsNullOrWhiteSpace(command.Email) && !CorrectDetailsEndpoint.IsEmail(command.Email))
            problems.Add("email", "'email' is not a valid email address.");
        return problems.ToProblem();
    }

    [EndpointSummary("Register a practitioner")]
    [EndpointDescription("Admins and providers. 409 when the email (in any letter case) is taken.")]
    [WolverinePost("/api/practitioners", OperationId = "registerPractitioner")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Provider}")]
    public static (PractitionerCreated, IStartStream) Post(RegisterPractitioner command, IDocumentSession session, KeyRing keys, TimeProvider clock)
    {
        var id = Guid.CreateVersion7();
        var email = command.Email!.Trim();
        session.Insert(new PractitionerEmail { Id = keys.EmailLookupKey(email), PractitionerId = id });
        keys.Store(session, id);
        var registered = new PractitionerRegistered(id, PersonalText.Of(id, command.FullName!.Trim()), PersonalText.Of(id, email), clock.Today());
        return (new PractitionerCreated(id), MartenOps.StartStream<Practitioner>(id, registered));
    }
}
