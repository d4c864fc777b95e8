using PmoLedger.Features.Providers;

namespace PmoLedger.Tests.Features.Providers;

public class ProviderApiKeyTests
{
    [Fact]
    public void every_issued_key_parses_back_even_when_its_secret_contains_underscores()
    {
        // About half of all secrets (base64url) contain an '_', the separator of the key's parts.
        for (var i = 0; i < 200; i++)
        {
            var (apiKey, stored) = ProviderApiKey.Issue(Guid.NewGuid(), "Academy");
            ProviderApiKey.TryParse(apiKey, out var keyId, out var secret).ShouldBeTrue(apiKey);
            keyId.ShouldBe(stored.Id);
            stored.Matches(secret).ShouldBeTrue(apiKey);
        }
    }
}
