
namespace PmoLedger.Features.Providers;

public sealed record RegisterProvider(string? Name);

/// <summary>The only answer that ever shows the key.</summary>
public sealed record ProviderCreated(Guid Id, string Name, string ApiKey) : CreationResponse($"/api/providers/{Id}/completions");

public static class RegisterProviderEndpoint
{
    public static ProblemDetails Validate(RegisterProvider? command)
    {
        if (command is null) return Problems.MissingBody;
        return new Problems().Required("name", command.Name).MaxLength("name", command.Name, 200).ToProblem();
    }

    [WolverinePost("/api/providers", OperationId = "registerProvider")]
    [Authorize(Roles = Roles.Admin)]
    public static (ProviderCreated, IStartStream) Post(RegisterProvider command, IDocumentSession session)
    {
        var id = Guid.CreateVersion7();
        var name = command.Name!.Trim();
        var (apiKey, stored) = ProviderApiKey.Issue(id, name);
        session.Store(stored);
        return (new ProviderCreated(id, name, apiKey),
            MartenOps.StartStream<Provider>(id, new ProviderRegistered(id, name), new ProviderKeyIssued(id, stored.Id, [])));
    }
}
