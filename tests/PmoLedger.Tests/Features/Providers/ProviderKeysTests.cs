using System.Text.Json;
using Alba;
using Marten;

namespace PmoLedger.Tests.Features.Providers;

public class ProviderKeysTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task registering_a_provider_answers_201_and_shows_the_key_once()
    {
        var provider = await RegisterProvider("Axelos Learning Partners");

        provider.Name.ShouldBe("Axelos Learning Partners");
        provider.ApiKey.ShouldStartWith("pmo_");
        (await EventCount()).ShouldBe(2);   // registered + first key issued

        // Nothing stored or returned later holds the key itself.
        await using var session = Store.QuerySession();
        var raw = await session.Query<PmoLedger.Features.Providers.ProviderApiKey>().ToListAsync();
        // The secret is base64url and may itself hold '_': only the first two underscores separate.
        JsonSerializer.Serialize(raw).ShouldNotContain(provider.ApiKey.Split('_', 3)[2]);
    }

    [Fact]
    public async Task the_issued_key_authenticates_as_that_provider()
    {
        var provider = await RegisterProvider();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(200);
        });
        (await result.Json()).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task rotating_the_key_stops_the_old_one_and_the_new_one_works()
    {
        var provider = await RegisterProvider();
        var rotated = await As(AdminToken, s =>
        {
            s.Post.Url($"/api/providers/{provider.Id}/keys");
            s.StatusCodeShouldBe(201);
        });
        var newKey = (await rotated.Json()).Str("apiKey");
        newKey.ShouldNotBe(provider.ApiKey);

        await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(401);
            s.ContentTypeShouldBe("application/problem+json");
        });
        await WithKey(newKey, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(200);
        });

        // A second rotation revokes the key the first one issued.
        var again = await As(AdminToken, s =>
        {
            s.Post.Url($"/api/providers/{provider.Id}/keys");
            s.StatusCodeShouldBe(201);
        });
        await WithKey(newKey, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(401);
        });
        await WithKey((await again.Json()).Str("apiKey"), s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(200);
        });
    }

    [Fact]
    public async Task rotating_an_unknown_providers_key_is_404()
    {
        await As(AdminToken, s =>
        {
            s.Post.Url($"/api/providers/{Guid.NewGuid()}/keys");
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task only_admins_register_providers_and_rotate_keys()
    {
        var provider = await RegisterProvider();
        var practitioner = await RegisterPractitioner();
        foreach (var token in new[] { AuditorToken, PractitionerToken(practitioner) })
        {
            await As(token, s =>
            {
                s.Post.Json(new { name = "Rogue Academy" }).ToUrl("/api/providers");
                s.StatusCodeShouldBe(403);
            });
            await As(token, s =>
            {
                s.Post.Url($"/api/providers/{provider.Id}/keys");
                s.StatusCodeShouldBe(403);
            });
        }
        await WithKey(provider.ApiKey, s =>
        {
            s.Post.Url($"/api/providers/{provider.Id}/keys");
            s.StatusCodeShouldBe(403);
        });
        await Host.Scenario(s =>
        {
            s.Post.Json(new { name = "Anonymous Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(401);
        });
    }

    [Fact]
    public async Task a_provider_needs_a_name()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = " " }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(400);
        });
        (await result.Json()).GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("pmo_short_secret")]
    [InlineData("pmo_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("")]
    public async Task malformed_or_unknown_keys_are_401(string key)
    {
        await WithKey(key, s =>
        {
            s.Get.Url("/api/practitioners?email=x@example.org");
            s.StatusCodeShouldBe(401);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task a_known_key_id_with_a_wrong_secret_is_401()
    {
        var provider = await RegisterProvider();
        var parts = provider.ApiKey.Split('_');
        var forged = $"pmo_{parts[1]}_{new string('A', parts[2].Length)}";
        await WithKey(forged, s =>
        {
            s.Get.Url($"/api/providers/{provider.Id}/completions");
            s.StatusCodeShouldBe(401);
        });
    }

    [Fact]
    public async Task a_provider_registers_a_practitioner_and_finds_them_by_exact_email()
    {
        var provider = await RegisterProvider();
        var created = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(new { fullName = "Mary Jackson", email = "mary.jackson@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        var id = (await created.Json()).GetProperty("id").GetGuid();

        var found = await WithKey(provider.ApiKey, s => s.Get.Url("/api/practitioners?email=Mary.Jackson@example.org"));
        (await found.Json()).GetProperty("id").GetGuid().ShouldBe(id);

        await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url("/api/practitioners?email=mary@example.org");
            s.StatusCodeShouldBe(404);
        });

        // The registration is recorded as made by the provider.
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        events.Single().UserName.ShouldBe($"provider:{provider.Id}");
    }

    [Fact]
    public async Task a_provider_may_not_read_a_practitioners_profile()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        await WithKey(provider.ApiKey, s =>
        {
            s.Get.Url($"/api/practitioners/{id}");
            s.StatusCodeShouldBe(403);
        });
    }
}
