namespace PmoLedger.Features.Providers;

public sealed record ProviderRegistered(Guid ProviderId, string Name);

/// <summary>A new key was issued; every earlier key of the provider stopped working at the same moment.</summary>
public sealed record ProviderKeyIssued(Guid ProviderId, string KeyId, IReadOnlyList<string> RevokedKeyIds);

/// <summary>A training provider: one stream each, holding its registration and key history.</summary>
public sealed class Provider
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public List<string> ActiveKeyIds { get; set; } = [];

    public static Provider Create(ProviderRegistered e) => new() { Id = e.ProviderId, Name = e.Name };

    public void Apply(ProviderKeyIssued e)
    {
        ActiveKeyIds.RemoveAll(e.RevokedKeyIds.Contains);
        ActiveKeyIds.Add(e.KeyId);
    }
}
