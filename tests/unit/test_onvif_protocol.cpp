// The ONVIF protocol layer: WS-Discovery and SOAP messages as cameras send
// them (any prefixes, SOAP 1.1 or 1.2), the UsernameToken digest, and
// hostile input: DTDs, oversized and malformed documents, and a fuzz loop.
#include "onvif_client.h"
#include "onvif_protocol.h"
#include "onvif_events.h"
#include "onvif_ptz.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstring>

#include <random>

using namespace camgate::onvif;

namespace {

const char *kProbeMatches = R"(<?xml version="1.0"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"
  xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"
  xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery">
 <SOAP-ENV:Header><wsa:RelatesTo>uuid:42</wsa:RelatesTo></SOAP-ENV:Header>
 <SOAP-ENV:Body><wsdd:ProbeMatches><wsdd:ProbeMatch>
  <wsa:EndpointReference><wsa:Address>urn:uuid:cea94000-fb96</wsa:Address></wsa:EndpointReference>
  <wsdd:Types>dn:NetworkVideoTransmitter tds:Device</wsdd:Types>
  <wsdd:Scopes>onvif://www.onvif.org/name/Front%20Door onvif://www.onvif.org/hardware/DS-2CD2T47G2-L</wsdd:Scopes>
  <wsdd:XAddrs>http://192.168.1.100/onvif/device_service http://[fe80::1]/onvif/device_service ftp://nope</wsdd:XAddrs>
  <wsdd:MetadataVersion>1</wsdd:MetadataVersion>
 </wsdd:ProbeMatch></wsdd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>)";

const char *kProfilesMedia1 = R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
 <trt:GetProfilesResponse xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">
  <trt:Profiles token="jpeg" fixed="true"><tt:Name>Snapshot</tt:Name>
   <tt:VideoEncoderConfiguration><tt:Encoding>JPEG</tt:Encoding>
    <tt:Resolution><tt:Width>3840</tt:Width><tt:Height>2160</tt:Height></tt:Resolution></tt:VideoEncoderConfiguration></trt:Profiles>
  <trt:Profiles token="Profile_1"><tt:Name>mainStream</tt:Name>
   <tt:VideoEncoderConfiguration><tt:Encoding>H264</tt:Encoding>
    <tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>
    <tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit></tt:RateControl></tt:VideoEncoderConfiguration>
   <tt:PTZConfiguration token="PTZToken"><tt:Name>PTZ</tt:Name><tt:NodeToken>PTZNODETOKEN</tt:NodeToken></tt:PTZConfiguration></trt:Profiles>
  <trt:Profiles token="Profile_2"><tt:Name>subStream</tt:Name>
   <tt:VideoEncoderConfiguration><tt:Encoding>H264</tt:Encoding>
    <tt:Resolution><tt:Width>640</tt:Width><tt:Height>360</tt:Height></tt:Resolution></tt:VideoEncoderConfiguration></trt:Profiles>
 </trt:GetProfilesResponse></s:Body></s:Envelope>)";

// Media2, other prefixes, H.265, SOAP 1.1.
const char *kProfilesMedia2 = R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
 <a:GetProfilesResponse xmlns:a="http://www.onvif.org/ver20/media/wsdl" xmlns:b="http://www.onvif.org/ver10/schema">
  <a:Profiles token="p0"><a:Name>Main</a:Name><a:Configurations>
   <a:VideoEncoder><b:Encoding>H265</b:Encoding><b:Resolution><b:Width>2560</b:Width><b:Height>1440</b:Height></b:Resolution></a:VideoEncoder>
  </a:Configurations></a:Profiles>
 </a:GetProfilesResponse></soap:Body></soap:Envelope>)";

const char *kPresets = R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>
 <tptz:GetPresetsResponse xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">
  <tptz:Preset token="1"><tt:Name>Gate &amp; yard</tt:Name><tt:PTZPosition><tt:PanTilt x="0.1" y="0.2"/></tt:PTZPosition></tptz:Preset>
  <tptz:Preset><tt:Name>no token</tt:Name></tptz:Preset>
  <tptz:Preset token="7"/>
 </tptz:GetPresetsResponse></env:Body></env:Envelope>)";

// As a Hikvision camera words it: SOAP 1.2, its own prefixes, a state that
// is not motion, and one without a boolean.
const char *kNotifications = R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:tns1="http://www.onvif.org/ver10/topics"><env:Body>
 <tev:PullMessagesResponse><tev:CurrentTime>2026-12-05T10:00:00Z</tev:CurrentTime><tev:TerminationTime>2026-12-05T10:01:00Z</tev:TerminationTime>
  <wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/CellMotionDetector/Motion</wsnt:Topic>
   <wsnt:Message><tt:Message UtcTime="2026-12-05T10:00:00Z" PropertyOperation="Initialized"><tt:Source>
    <tt:SimpleItem Name="VideoSourceConfigurationToken" Value="VideoSourceToken"/><tt:SimpleItem Name="Rule" Value="MyMotionDetectorRule"/></tt:Source>
    <tt:Data><tt:SimpleItem Name="IsMotion" Value="false"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>
  <wsnt:NotificationMessage><wsnt:Topic>tns1:VideoSource/MotionAlarm</wsnt:Topic>
   <wsnt:Message><tt:Message UtcTime="2026-12-05T10:00:01Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="Source" Value="VideoSource_1"/></tt:Source>
    <tt:Data><tt:SimpleItem Name="State" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>
  <wsnt:NotificationMessage><wsnt:Topic>tns1:Device/Trigger/DigitalInput</wsnt:Topic>
   <wsnt:Message><tt:Message UtcTime="2026-12-05T10:00:02Z" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="InputToken" Value="1"/></tt:Source>
    <tt:Data><tt:SimpleItem Name="LogicalState" Value="true"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>
  <wsnt:NotificationMessage><wsnt:Topic>tns1:Monitoring/ProcessorUsage</wsnt:Topic>
   <wsnt:Message><tt:Message UtcTime="2026-12-05T10:00:03Z"><tt:Data><tt:SimpleItem Name="Value" Value="42"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>
 </tev:PullMessagesResponse></env:Body></env:Envelope>)";

const char *kStreamUri = R"(<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>
 <trt:GetStreamUriResponse xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">
  <trt:MediaUri><tt:Uri>rtsp://192.168.1.100:554/Streaming/Channels/101?transportmode=unicast&amp;profile=Profile_1</tt:Uri>
  <tt:InvalidAfterConnect>false</tt:InvalidAfterConnect></trt:MediaUri>
 </trt:GetStreamUriResponse></env:Body></env:Envelope>)";

std::unique_ptr<XmlDocument>
parse (const std::string & text)
{
  std::string error;
  auto doc = XmlDocument::parse (text, error);
  EXPECT_TRUE (doc) << error;
  return doc;
}

}  // namespace

TEST (OnvifProtocol, UsernameTokenDigestMatchesTheProfile)
{
  // Computed independently: base64 (sha1 (nonce + created + password)).
  std::string nonce;
  for (int i = 0; i < 16; i++)
    nonce += static_cast<char> (i);
  EXPECT_EQ (password_digest (nonce, "2024-01-15T10:30:00Z", "secret"),
      "Pvg7bej8Ip4SK0F2jKoAwtqUhNw=");
  EXPECT_EQ (xs_datetime (1705314600), "2024-01-15T10:30:00Z");

  // The envelope carries it, on the device's clock, with the base64 nonce.
  std::string envelope = soap_envelope (get_profiles (false),
      { "admin", "secret" }, 1705314600, nonce);
  auto doc = parse (envelope);
  xmlNode *token = find (doc->root (), "UsernameToken");
  EXPECT_EQ (text_of (token, "Username"), "admin");
  EXPECT_EQ (text_of (token, "Password"), "Pvg7bej8Ip4SK0F2jKoAwtqUhNw=");
  EXPECT_EQ (text_of (token, "Nonce"), "AAECAwQFBgcICQoLDA0ODw==");
  EXPECT_EQ (text_of (token, "Created"), "2024-01-15T10:30:00Z");
  // No credentials: no Security header at all.
  EXPECT_EQ (soap_envelope ("<x/>", {}, 0, nonce).find ("Security"),
      std::string::npos);
  // Special characters in user names are escaped.
  EXPECT_NE (soap_envelope ("<x/>", { "a<b&c", "p" }, 0, nonce)
      .find ("a&lt;b&amp;c"), std::string::npos);
}

TEST (OnvifProtocol, ProbeMatchesWithAnyPrefixes)
{
  const std::string probe = probe_message ("uuid:42", "tds:Device");
  auto doc = parse (probe);
  EXPECT_EQ (text_of (doc->root (), "Types"), "tds:Device");
  EXPECT_EQ (text_of (doc->root (), "MessageID"), "uuid:42");

  DiscoveryMessage message;
  std::string error;
  ASSERT_TRUE (parse_discovery (kProbeMatches, message, error)) << error;
  EXPECT_EQ (message.kind, DiscoveryKind::ProbeMatches);
  EXPECT_EQ (message.relates_to, "uuid:42");
  ASSERT_EQ (message.devices.size (), 1u);
  const auto & d = message.devices[0];
  EXPECT_EQ (d.endpoint, "urn:uuid:cea94000-fb96");
  EXPECT_EQ (d.types.size (), 2u);
  // Only HTTP(S) device addresses.
  EXPECT_EQ (d.xaddrs, std::vector<std::string> ({
      "http://192.168.1.100/onvif/device_service",
      "http://[fe80::1]/onvif/device_service" }));
  EXPECT_EQ (d.scope_value ("name"), "Front Door");
  EXPECT_EQ (d.scope_value ("hardware"), "DS-2CD2T47G2-L");
  EXPECT_EQ (d.scope_value ("location"), "");

  ASSERT_TRUE (parse_discovery ("<e:Envelope xmlns:e=\"urn:x\" xmlns:d=\"urn:d\""
          " xmlns:a=\"urn:a\"><e:Body><d:Bye><a:EndpointReference><a:Address>"
          "urn:uuid:1</a:Address></a:EndpointReference></d:Bye></e:Body>"
          "</e:Envelope>", message, error));
  EXPECT_EQ (message.kind, DiscoveryKind::Bye);
  EXPECT_EQ (message.devices.at (0).endpoint, "urn:uuid:1");
  // A Probe (ours, looped back) is no device.
  ASSERT_TRUE (parse_discovery (probe, message, error));
  EXPECT_EQ (message.kind, DiscoveryKind::Other);
}

TEST (OnvifProtocol, ProfilesStreamUrisAndFaults)
{
  auto media1 = parse (kProfilesMedia1);
  auto profiles = parse_profiles (media1->root ());
  ASSERT_EQ (profiles.size (), 3u);
  EXPECT_EQ (profiles[1].token, "Profile_1");
  EXPECT_EQ (profiles[1].name, "mainStream");
  EXPECT_EQ (profiles[1].width, 1920);
  EXPECT_EQ (profiles[1].fps, 25);
  // The largest picture camgate can relay, not the 4K snapshot JPEG.
  ASSERT_NE (main_profile (profiles), nullptr);
  EXPECT_EQ (main_profile (profiles)->token, "Profile_1");
  EXPECT_TRUE (profiles[1].ptz);
  EXPECT_FALSE (profiles[2].ptz);

  auto media2 = parse (kProfilesMedia2);
  profiles = parse_profiles (media2->root ());
  ASSERT_EQ (profiles.size (), 1u);
  EXPECT_EQ (profiles[0].encoding, "H265");
  EXPECT_EQ (profiles[0].height, 1440);
  EXPECT_EQ (main_profile ({}), nullptr);

  auto uri = parse (kStreamUri);
  EXPECT_EQ (parse_stream_uri (uri->root ()), "rtsp://192.168.1.100:554/"
      "Streaming/Channels/101?transportmode=unicast&profile=Profile_1");
  EXPECT_EQ (rewrite_host (parse_stream_uri (uri->root ()), "203.0.113.7"),
      "rtsp://203.0.113.7:554/Streaming/Channels/101?transportmode=unicast"
      "&profile=Profile_1");
  EXPECT_EQ (rewrite_host ("rtsp://cam/x", "cam"), "rtsp://cam/x");

  auto fault12 = parse ("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
      "soap-envelope\"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value>"
      "<s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code>"
      "<s:Reason><s:Text>Sender not Authorized</s:Text></s:Reason></s:Fault>"
      "</s:Body></s:Envelope>");
  EXPECT_EQ (fault_reason (fault12->root ()).value_or (""),
      "Sender not Authorized (ter:NotAuthorized)");
  auto fault11 = parse ("<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/"
      "soap/envelope/\"><e:Body><e:Fault><faultcode>e:Client</faultcode>"
      "<faultstring>bad</faultstring></e:Fault></e:Body></e:Envelope>");
  EXPECT_EQ (fault_reason (fault11->root ()).value_or (""), "bad (e:Client)");
  EXPECT_FALSE (fault_reason (uri->root ()));

  auto date = parse ("<E><B><GetSystemDateAndTimeResponse><UTCDateTime><Time>"
      "<Hour>10</Hour><Minute>30</Minute><Second>0</Second></Time><Date>"
      "<Year>2024</Year><Month>1</Month><Day>15</Day></Date></UTCDateTime>"
      "</GetSystemDateAndTimeResponse></B></E>");
  EXPECT_EQ (parse_system_date (date->root ()).value_or (0), 1705314600);
}

TEST (OnvifProtocol, PtzRequestsAndPresets)
{
  EXPECT_EQ (xs_duration (300), "PT0.3S");
  EXPECT_EQ (xs_duration (10000), "PT10S");
  // Only the axes asked for; a dot whatever the locale.
  EXPECT_EQ (ptz_continuous_move ("Profile_1", { 0.5, -0.25, std::nullopt },
          500), "<tptz:ContinuousMove><tptz:ProfileToken>Profile_1"
      "</tptz:ProfileToken><tptz:Velocity><tt:PanTilt x=\"0.5\" y=\"-0.25\"/>"
      "</tptz:Velocity><tptz:Timeout>PT0.5S</tptz:Timeout>"
      "</tptz:ContinuousMove>");
  EXPECT_NE (ptz_continuous_move ("p", { std::nullopt, 1, 0 }, 1000).find (
          "<tt:PanTilt x=\"0\" y=\"1\"/><tt:Zoom x=\"0\"/>"),
      std::string::npos);
  EXPECT_NE (ptz_set_preset ("p", "a<b").find (
          "<tptz:PresetName>a&lt;b</tptz:PresetName>"), std::string::npos);
  EXPECT_NE (ptz_stop ("p").find ("<tptz:PanTilt>true</tptz:PanTilt>"
          "<tptz:Zoom>true</tptz:Zoom>"), std::string::npos);

  auto presets = parse (kPresets);
  auto list = parse_presets (presets->root ());
  ASSERT_EQ (list.size (), 2u);
  EXPECT_EQ (list[0].token, "1");
  EXPECT_EQ (list[0].name, "Gate & yard");
  EXPECT_EQ (list[1].token, "7");
  EXPECT_EQ (list[1].name, "");
  auto made = parse ("<E><B><SetPresetResponse><PresetToken> 12 </PresetToken>"
      "</SetPresetResponse></B></E>");
  EXPECT_EQ (parse_set_preset (made->root ()), "12");

  // The PTZ service from GetServices, or from GetCapabilities.
  auto services = parse ("<E><B><GetServicesResponse><Service><Namespace>"
      "http://www.onvif.org/ver20/ptz/wsdl</Namespace><XAddr>http://cam/ptz"
      "</XAddr></Service></GetServicesResponse></B></E>");
  EXPECT_EQ (parse_media_services (services->root ()).ptz, "http://cam/ptz");
  auto caps = parse ("<E><B><GetCapabilitiesResponse><Capabilities><Media>"
      "<XAddr>http://cam/media</XAddr></Media><PTZ><XAddr>http://cam/onvif/"
      "PTZ</XAddr></PTZ></Capabilities></GetCapabilitiesResponse></B></E>");
  EXPECT_EQ (parse_media_services (caps->root ()).ptz,
      "http://cam/onvif/PTZ");
  EXPECT_EQ (parse_media_services (caps->root ()).media, "http://cam/media");
}

TEST (OnvifProtocol, PullPointSubscriptionsAndNotifications)
{
  auto doc = parse (kNotifications);
  auto events = parse_notifications (doc->root ());
  ASSERT_EQ (events.size (), 3u);
  EXPECT_EQ (events[0].kind, "motion");
  EXPECT_EQ (events[0].topic, "tns1:RuleEngine/CellMotionDetector/Motion");
  EXPECT_EQ (events[0].source, "VideoSourceToken");
  EXPECT_FALSE (events[0].active);
  EXPECT_TRUE (events[0].initial);
  EXPECT_EQ (events[1].kind, "motion");
  EXPECT_TRUE (events[1].active);
  EXPECT_FALSE (events[1].initial);
  EXPECT_EQ (events[2].kind, "input");
  EXPECT_EQ (events[2].source, "1");
  EXPECT_EQ (event_kind ("tns1:VideoSource/GlobalSceneChange/ImagingService"),
      "tamper");
  EXPECT_EQ (event_kind ("tns1:RuleEngine/TamperDetector/Tamper"), "tamper");
  EXPECT_EQ (event_kind ("tns1:Monitoring/ProcessorUsage"), "");

  auto made = parse ("<E><B><CreatePullPointSubscriptionResponse>"
      "<SubscriptionReference><Address>http://cam/onvif/Events/PullSubManager"
      "?Idx=3</Address></SubscriptionReference><CurrentTime>2026-12-05T10:00:00Z"
      "</CurrentTime><TerminationTime>2026-12-05T10:01:00.5Z</TerminationTime>"
      "</CreatePullPointSubscriptionResponse></B></E>");
  Subscription subscription;
  ASSERT_TRUE (parse_subscription (made->root (), subscription));
  EXPECT_EQ (subscription.address,
      "http://cam/onvif/Events/PullSubManager?Idx=3");
  ASSERT_TRUE (subscription.termination_time);
  EXPECT_EQ (*subscription.termination_time - *subscription.current_time, 60);
  auto none = parse ("<E><B><CreatePullPointSubscriptionResponse>"
      "<SubscriptionReference><Address>file:///etc/passwd</Address>"
      "</SubscriptionReference></CreatePullPointSubscriptionResponse></B></E>");
  EXPECT_FALSE (parse_subscription (none->root (), subscription));

  // Calls to a subscription say where they go (WS-Addressing), beside the
  // UsernameToken.
  const std::string envelope = soap_envelope (pull_messages (5, 32),
      { "admin", "secret" }, 1700000000, std::string (16, 'n'),
      "<wsa:To>http://cam/sub</wsa:To>");
  EXPECT_NE (envelope.find ("<s:Header><wsa:To>http://cam/sub</wsa:To><wsse:"
          "Security"), std::string::npos) << envelope;
  EXPECT_NE (envelope.find ("<tev:Timeout>PT5S</tev:Timeout><tev:MessageLimit>"
          "32</tev:MessageLimit>"), std::string::npos);
  std::string error;
  EXPECT_TRUE (XmlDocument::parse (envelope, error)) << error;
}

TEST (OnvifProtocol, BasicNotificationSubscriptionsAndNotifies)
{
  // The consumer address goes in escaped; the request parses.
  const std::string body = subscribe ("http://10.0.0.5:8888/onvif/events/"
      "ab?x=1&y=2", 60);
  EXPECT_NE (body.find ("<wsnt:ConsumerReference><wsa:Address>http://10.0.0.5:"
          "8888/onvif/events/ab?x=1&amp;y=2</wsa:Address>"), std::string::npos)
      << body;
  EXPECT_NE (body.find ("<wsnt:InitialTerminationTime>PT60S"), std::string::npos);
  std::string error;
  EXPECT_TRUE (XmlDocument::parse (soap_envelope (body, { "admin", "secret" },
              1700000000, std::string (16, 'n')), error)) << error;

  auto made = parse ("<E><B><SubscribeResponse><SubscriptionReference><Address>"
      "http://cam/onvif/Subscription?Idx=7</Address></SubscriptionReference>"
      "<CurrentTime>2026-12-05T10:00:00Z</CurrentTime><TerminationTime>"
      "2026-12-05T10:00:10Z</TerminationTime></SubscribeResponse></B></E>");
  Subscription subscription;
  ASSERT_TRUE (parse_subscription (made->root (), subscription));
  EXPECT_EQ (subscription.address, "http://cam/onvif/Subscription?Idx=7");
  EXPECT_EQ (*subscription.termination_time - *subscription.current_time, 10);

  // What a camera POSTs: a Notify of the same NotificationMessages.
  std::string notify = kNotifications;
  const size_t open = notify.find ("PullMessagesResponse");
  ASSERT_NE (open, std::string::npos);
  notify.replace (open, strlen ("PullMessagesResponse"), "Notify");
  const size_t close = notify.rfind ("PullMessagesResponse");
  notify.replace (close, strlen ("PullMessagesResponse"), "Notify");
  auto doc = parse (notify);
  auto events = parse_notifications (doc->root ());
  ASSERT_EQ (events.size (), 3u);
  EXPECT_TRUE (events[1].active);
  EXPECT_EQ (events[2].kind, "input");
}

TEST (OnvifProtocol, OnvifUris)
{
  std::string url, profile, error;
  Credentials c;
  ASSERT_TRUE (parse_onvif_uri ("onvif://admin:p%40ss@10.0.0.5:8080/Profile_2",
          url, c, profile, error)) << error;
  EXPECT_EQ (url, "http://10.0.0.5:8080/onvif/device_service");
  EXPECT_EQ (c.user, "admin");
  EXPECT_EQ (c.password, "p@ss");
  EXPECT_EQ (profile, "Profile_2");
  ASSERT_TRUE (parse_onvif_uri ("onvif://[fd00::5]", url, c, profile, error));
  EXPECT_EQ (url, "http://[fd00::5]/onvif/device_service");
  EXPECT_TRUE (c.empty ());
  EXPECT_FALSE (parse_onvif_uri ("rtsp://cam/x", url, c, profile, error));
  EXPECT_FALSE (parse_onvif_uri ("onvif://", url, c, profile, error));
  EXPECT_FALSE (parse_onvif_uri ("not a uri", url, c, profile, error));
}

TEST (OnvifProtocol, HostileDocumentsAreRefused)
{
  std::string error;
  // Entity expansion ("billion laughs") never gets to run.
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;\">"
      "]><Envelope><Body><Uri>&c;</Uri></Body></Envelope>";
  EXPECT_FALSE (XmlDocument::parse (laughs, error));
  EXPECT_EQ (error, "XML with a DTD is refused");
  // External entities cannot reach the file system or the network.
  EXPECT_FALSE (XmlDocument::parse ("<!DOCTYPE x [<!ENTITY e SYSTEM "
          "\"file:///etc/passwd\">]><x>&e;</x>", error));
  EXPECT_FALSE (XmlDocument::parse (std::string (kMaxDocumentBytes + 1, ' '),
          error));
  EXPECT_NE (error.find ("larger than"), std::string::npos);
  EXPECT_FALSE (XmlDocument::parse ("<a><b></a>", error));
  EXPECT_FALSE (XmlDocument::parse ("", error));
  DiscoveryMessage message;
  EXPECT_FALSE (parse_discovery ("<NotSoap/>", message, error));
  EXPECT_EQ (error, "not a SOAP envelope");
}

TEST (OnvifProtocol, FuzzedRepliesNeverCrash)
{
  // Mutations of real replies: flipped bytes, cuts, repeated and inserted
  // markup. Every parser must come back (with or without a result).
  const std::vector<std::string> seeds = { kProbeMatches, kProfilesMedia1,
    kProfilesMedia2, kStreamUri, kPresets, kNotifications };
  std::mt19937 random (20261126);
  int parsed = 0;
  for (int i = 0; i < 3000; i++) {
    std::string text = seeds[i % seeds.size ()];
    const int edits = 1 + random () % 8;
    for (int e = 0; e < edits && !text.empty (); e++) {
      const size_t at = random () % text.size ();
      switch (random () % 5) {
        case 0: text[at] = static_cast<char> (random () % 256); break;
        case 1: text.resize (at); break;
        case 2: text.insert (at, text.substr (at, random () % 64)); break;
        case 3: text.insert (at, "<x y=\"&amp;\">"); break;
        case 4: text.erase (at, random () % 16); break;
      }
    }
    DiscoveryMessage message;
    std::string error;
    parse_discovery (text, message, error);
    if (auto doc = XmlDocument::parse (text, error)) {
      parsed++;
      parse_profiles (doc->root ());
      parse_stream_uri (doc->root ());
      parse_media_services (doc->root ());
      parse_device_information (doc->root ());
      parse_system_date (doc->root ());
      fault_reason (doc->root ());
      main_profile (parse_profiles (doc->root ()));
      parse_presets (doc->root ());
      parse_notifications (doc->root ());
      Subscription subscription;
      parse_subscription (doc->root (), subscription);
      parse_set_preset (doc->root ());
    }
  }
  // Some mutations stay well-formed, so the parsers above did run.
  EXPECT_GT (parsed, 30);
}

TEST (OnvifSrc, UnreachableDeviceIsAnErrorMessageNotAHang)
{
  // Port 1 on loopback: connection refused at once.
  GstElement *pipeline = gst_parse_launch ("onvifsrc name=src "
      "location=onvif://admin:x@127.0.0.1:1 timeout=2 ! fakesink", nullptr);
  ASSERT_NE (pipeline, nullptr);
  // The state change does not wait for the device.
  EXPECT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_ERROR);
  ASSERT_NE (m, nullptr);
  GError *error = nullptr;
  gst_message_parse_error (m, &error, nullptr);
  EXPECT_NE (std::string (error->message).find ("cannot reach http://"
          "127.0.0.1:1/onvif/device_service"), std::string::npos)
      << error->message;
  g_clear_error (&error);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

TEST (OnvifSrc, BadLocationIsRefusedByTheUriHandler)
{
  GError *error = nullptr;
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC,
      "onvif://admin:x@cam.example:80/main", nullptr, &error);
  ASSERT_NE (src, nullptr) << (error ? error->message : "");
  gchar *uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  EXPECT_STREQ (uri, "onvif://admin:x@cam.example:80/main");
  g_free (uri);
  EXPECT_FALSE (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "onvif://", &error));
  g_clear_error (&error);
  gst_object_unref (src);
}
