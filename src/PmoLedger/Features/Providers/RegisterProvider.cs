
namespace PmoLedger.Features.Providers;

public sealed record RegisterProvider(string? Name);

/// <summary>The only answer that ever shows the key.</summary>
public sealed record ProviderCreated(Guid Id, string Name, string ApiKey) : CreationResponse($"/api/providers/{Id}");

/// <summary>
/// Claims a provider name. Its id is the lower-cased name, so the primary key keeps names unique
/// case-insensitively even under concurrent registrations.
/// </summary>
public sealed class ProviderName
{
    public string Id { get; set; } = "";
    public Guid ProviderId { get; set; }

    public static string Key(string name) => name.Trim().ToLowerInvariant();
}

public static class RegisterProviderEndpoint
{
    public static ProblemDetails Validate(RegisterProvider? command)
    {
        if (command is null) return Problems.MissingBody;
        return new Problems().Required("name", command.Name).MaxLength("name", command.Name, 200).ToProblem();
    }

    public static async Task<ProblemDetails> ValidateAsync(RegisterProvider command, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<ProviderName>(ProviderName.Key(command.Name!), ct) is null
            ? WolverineContinue.NoProblems
            : Problems.Conflict("A provider with this name (in any letter case) is already registered.");

    [EndpointSummary("Register a training provider")]
    [EndpointDescription("Admin only. The answer carries the provider's API key, shown this once; keep it secret. A name already registered (in any letter case) is 409.")]
    [WolverinePost("/api/providers", OperationId = "registerProvider")]
    [Authorize(Roles = Roles.Admin)]
    public static (ProviderCreated, IStartStream) Post(RegisterProvider command, IDocumentSession session)
    {
        var id = Guid.CreateVersion7();
        var name = command.Name!.Trim();
        var (apiKey, stored) = ProviderApiKey.Issue(id, name);
        session.Store(stored);
        session.Insert(new ProviderName { Id = ProviderName.Key(name), ProviderId = id });
        return (new ProviderCreated(id, name, apiKey),
            MartenOps.StartStream<Provider>(id, new ProviderRegistered(id, name), new ProviderKeyIssued(id, stored.Id, [])));
    }
}
