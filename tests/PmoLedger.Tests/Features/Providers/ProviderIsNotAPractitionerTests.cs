using Alba;

namespace PmoLedger.Tests.Features.Providers;

/// <summary>
/// A provider's own stream must never be read as a practitioner: the practitioner read models
/// filter on the stream type, and a provider id on a practitioner route is an unknown practitioner.
/// </summary>
public class ProviderIsNotAPractitionerTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Theory]
    [InlineData("")]
    [InlineData("/timeline")]
    [InlineData("/cpd")]
    [InlineData("/plan")]
    public async Task a_provider_id_on_a_practitioner_route_is_404(string suffix)
    {
        var provider = await RegisterProvider();
        var practitioner = await RegisterPractitioner();
        await Complete(provider.ApiKey, practitioner, Completion());
        await As(AdminToken, s => { s.Post.Url($"/api/providers/{provider.Id}/keys"); s.StatusCodeShouldBe(201); });   // more events on the provider stream

        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{provider.Id}{suffix}");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task a_completion_posted_to_a_provider_id_is_404_and_records_nothing()
    {
        var provider = await RegisterProvider();
        var before = await EventCountFor(provider.Id);

        await PostCompletion(provider.ApiKey, provider.Id, Completion(), status: 404);

        (await EventCountFor(provider.Id)).ShouldBe(before);
    }

    [Fact]
    public async Task the_register_lists_practitioners_only()
    {
        await RegisterProvider();
        var practitioner = await RegisterPractitioner();

        var page = await Get<System.Text.Json.JsonElement>("/api/practitioners", AdminToken);
        page.GetProperty("total").GetInt32().ShouldBe(1);
        page.GetProperty("items")[0].GetProperty("id").GetGuid().ShouldBe(practitioner);
    }
}
