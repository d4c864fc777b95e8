using JasperFx;
using JasperFx.CommandLine;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;

namespace PmoLedger.Web;

public sealed record InviteStaff(string? Email, string? FullName, string? Role, Guid? ProviderId);

public sealed record StaffInvited(string Email, string Role);

public static class StaffAccounts
{
    public static readonly string[] StaffRoles = [Roles.Admin, Roles.Auditor, Roles.Provider];

    /// <summary>The field errors of an invitation; the provider's existence is checked by the caller, which has the database.</summary>
    public static Problems Check(InviteStaff? command)
    {
        var problems = new Problems();
        if (command is null) return problems.Add("body", "A JSON object is required as the request body.");
        problems.Required("email", command.Email).MaxLength("email", command.Email, 254)
            .Required("fullName", command.FullName).MaxLength("fullName", command.FullName, 200)
            .Required("role", command.Role);
        if (command.Email is { Length: > 0 } email && !CorrectDetailsEndpoint.IsEmail(email))
            problems.Add("email", "'email' must be an email address.");
        if (command.Role is { Length: > 0 } role && !StaffRoles.Contains(role))
            problems.Add("role", $"'{role}' is not a staff role; use one of: {string.Join(", ", StaffRoles)}.");
        if (command.Role == Roles.Provider && command.ProviderId is null)
            problems.Add("providerId", "'providerId' is required for provider staff: they act for exactly one provider.");
        if (command.Role is Roles.Admin or Roles.Auditor && command.ProviderId is not null)
            problems.Add("providerId", "'providerId' is only for provider staff.");
        return problems;
    }

    public static StaffMember New(KeyRing keys, string email, string fullName, string role, Guid? providerId, DateTimeOffset now, string? addedBy) => new()
    {
        Id = keys.EmailLookupKey(email), Email = email.Trim(), FullName = fullName.Trim(), Role = role,
        ProviderId = providerId, AddedAt = now, AddedBy = addedBy
    };

    /// <summary>Adds a staff account, or says which field is wrong; an address already on staff is a conflict.</summary>
    public static async Task<ProblemDetails> AddAsync(IDocumentSession session, KeyRing keys, InviteStaff? command, TimeProvider clock, string? addedBy, CancellationToken ct)
    {
        var problems = Check(command);
        if (!problems.Any && command!.ProviderId is { } providerId
            && (await session.Events.FetchStreamStateAsync(providerId, ct))?.AggregateType != typeof(Provider))
            problems.Add("providerId", $"No provider {providerId}.");
        if (problems.Any) return problems.ToProblem();
        session.Insert(New(keys, command!.Email!, command.FullName!, command.Role!, command.ProviderId, clock.GetUtcNow(), addedBy));
        await session.SaveChangesAsync(ct);
        return WolverineContinue.NoProblems;
    }

    /// <summary>Adds the account and mails its first sign-in link; the person can ask for a new link from the home page later.</summary>
    public static async Task<ProblemDetails> InviteAsync(IDocumentSession session, KeyRing keys, InviteStaff? command, TimeProvider clock, Mailer mailer,
        string baseUrl, string? addedBy, CancellationToken ct)
    {
        var problem = await AddAsync(session, keys, command, clock, addedBy, ct);
        if (!WebRead.Allowed(problem)) return problem;
        var secret = await SignInLinks.CreateAsync(session, keys, command!.Email!, clock.GetUtcNow(), ct);
        await mailer.SendAsync(command.Email!.Trim(), "You have been invited to PmoLedger", SignInMail.Text(SignInLinks.Url(baseUrl, secret!)), ct);
        return problem;
    }
}

public static class InviteStaffEndpoint
{
    [EndpointSummary("Invite a staff member")]
    [EndpointDescription("Admin only. Adds an admin, auditor or provider staff account (provider staff name their provider) and mails a one-time sign-in link; 409 when the address is already on staff.")]
    [ProducesResponseType<StaffInvited>(201)]
    [WolverinePost("/api/staff", OperationId = "inviteStaff")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<IResult> Post(InviteStaff? command, IDocumentSession session, KeyRing keys, TimeProvider clock, Mailer mailer,
        WebSettings web, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        var problem = await StaffAccounts.InviteAsync(session, keys, command, clock, mailer, web.BaseUrl(http.Request), user.Identity?.Name, ct);
        return WebRead.Allowed(problem)
            ? Results.Created("/api/staff", new StaffInvited(command!.Email!.Trim(), command.Role!))
            : Results.Problem(problem);
    }
}

public static class SignInMail
{
    public static string Text(string link) => $"""
        Hello,

        Use this link to sign in to PmoLedger. It works once, within {SignInLinks.Lifetime.TotalMinutes:0} minutes:

        {link}

        If you did not ask to sign in, you can ignore this message; nothing happens without the link.
        """;
}

public sealed class AddStaffInput : NetCoreInput
{
    [Description("The person's email address")]
    public string EmailFlag { get; set; } = "";

    [Description("The person's full name")]
    public string NameFlag { get; set; } = "";

    [Description("admin, auditor or provider")]
    public string RoleFlag { get; set; } = Roles.Admin;

    [Description("The provider's id (required for --role provider)")]
    public string? ProviderFlag { get; set; }
}

[Description("Adds a staff account (e.g. the first admin of a fresh install)", Name = "add-staff")]
public sealed class AddStaffCommand : JasperFxAsyncCommand<AddStaffInput>
{
    public override async Task<bool> Execute(AddStaffInput input)
    {
        Guid? provider = Guid.TryParse(input.ProviderFlag, out var p) ? p : null;
        var problem = await LedgerCommand.RunAsync(input, async (session, services) =>
        {
            try
            {
                return await StaffAccounts.AddAsync(session, services.GetRequiredService<KeyRing>(), new InviteStaff(input.EmailFlag, input.NameFlag, input.RoleFlag, provider),
                    services.GetRequiredService<TimeProvider>(), "add-staff", CancellationToken.None);
            }
            catch (DocumentAlreadyExistsException)
            {
                return Problems.BadRequest("email", $"{input.EmailFlag} already has a staff account.");
            }
        });
        if (problem is HttpValidationProblemDetails invalid)
        {
            foreach (var message in invalid.Errors.SelectMany(e => e.Value)) Console.Error.WriteLine(message);
            return false;
        }
        CommandOutput.Result.WriteLine($"Added {input.RoleFlag} {input.EmailFlag}; they sign in with a link from the home page (or `signin-link --email {input.EmailFlag}`).");
        return true;
    }
}

public sealed class SignInLinkInput : NetCoreInput
{
    [Description("The address of an existing account")]
    public string EmailFlag { get; set; } = "";
}

[Description("Prints a one-time sign-in link for an existing account", Name = "signin-link")]
public sealed class SignInLinkCommand : JasperFxAsyncCommand<SignInLinkInput>
{
    public override async Task<bool> Execute(SignInLinkInput input)
    {
        var link = await LedgerCommand.RunAsync(input, async (session, services) =>
        {
            var secret = await SignInLinks.CreateAsync(session, services.GetRequiredService<KeyRing>(), input.EmailFlag, services.GetRequiredService<TimeProvider>().GetUtcNow(), CancellationToken.None);
            return secret is null ? null : SignInLinks.Url(services.GetRequiredService<WebSettings>().MailBaseUrl, secret);
        });
        if (link is null)
        {
            Console.Error.WriteLine($"No account uses {input.EmailFlag}.");
            return false;
        }
        CommandOutput.Result.WriteLine(link);
        return true;
    }
}

/// <summary>The ledger opened as the service opens it (same configuration, schema brought up to date), without starting the service.</summary>
internal static class LedgerCommand
{
    public static async Task<T> RunAsync<T>(NetCoreInput input, Func<IDocumentSession, IServiceProvider, Task<T>> work)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.LightweightSession();
        return await work(session, host.Services);
    }
}
