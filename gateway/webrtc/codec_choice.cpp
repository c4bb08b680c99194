#include "webrtc/codec_choice.h"

#include "media_codec.h"

#include <gst/pbutils/codec-utils.h>

#include <algorithm>

namespace camgate::webrtc {

namespace {

struct Offered
{
  int payload;
  GstCaps *caps;                   // from the m-line, owned
  std::string encoding;
  std::string field (const char *name) const
  {
    const char *v = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        name);
    return v ? v : "";
  }
};

// Every payload type of an m-line with its caps (fmtp included).
std::vector<Offered>
offered_formats (const GstSDPMedia * media)
{
  std::vector<Offered> out;
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    const char *fmt = gst_sdp_media_get_format (media, i);
    char *end = nullptr;
    long pt = std::strtol (fmt, &end, 10);
    if (*end || pt < 0 || pt > 127)
      continue;
    GstCaps *caps = gst_sdp_media_get_caps_from_media (media, (gint) pt);
    if (!caps)
      continue;
    const char *enc = gst_structure_get_string (gst_caps_get_structure (caps, 0),
        "encoding-name");
    std::string encoding = enc ? enc : "";
    std::transform (encoding.begin (), encoding.end (), encoding.begin (),
        ::toupper);
    out.push_back ({ (int) pt, caps, encoding });
  }
  return out;
}

void
free_formats (std::vector<Offered> & formats)
{
  for (auto & f : formats)
    gst_caps_unref (f.caps);
  formats.clear ();
}

// The transceiver's codec-preferences: only what identifies the format, so
// that the payloader's own caps (its profile-level-id, sprop-parameter-sets)
// still intersect them.
GstCaps *
preference_caps (const char *media, const Offered & f)
{
  gint clock_rate = 0;
  gst_structure_get_int (gst_caps_get_structure (f.caps, 0), "clock-rate",
      &clock_rate);
  GstCaps *caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, media,
      "encoding-name", G_TYPE_STRING, f.encoding.c_str (),
      "payload", G_TYPE_INT, f.payload,
      "clock-rate", G_TYPE_INT, clock_rate, nullptr);
  if (f.encoding == "H264")
    gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, "1",
        nullptr);
  return caps;
}

void
choose (AnswerPlan & plan, unsigned mline, const char *media,
    const Offered & f)
{
  ChosenTrack track;
  track.mline = mline;
  track.media = media;
  track.encoding = f.encoding;
  track.payload = f.payload;
  gst_structure_get_int (gst_caps_get_structure (f.caps, 0), "clock-rate",
      &track.clock_rate);
  track.caps = preference_caps (media, f);
  plan.tracks.push_back (track);
}

// An H.264 profile as GStreamer names it in caps ("high",
// "constrained-baseline"...), from a profile-level-id (RFC 6184 §8.1) or
// from such a name already.
std::string
h264_profile_name (const std::string & profile)
{
  if (profile.size () != 6 || !g_ascii_isxdigit (profile[0]))
    return profile;
  // profile_idc, constraint flags, level_idc: the SPS bytes the codec
  // utilities read.
  guint8 sps[3];
  for (int i = 0; i < 3; i++)
    sps[i] = std::strtoul (profile.substr (2 * i, 2).c_str (), nullptr, 16);
  const gchar *name = gst_codec_utils_h264_get_profile (sps, sizeof sps);
  return name ? name : "";
}

bool
baseline_family (const std::string & name)
{
  return name == "baseline" || name == "constrained-baseline";
}

// The offered H.264 format closest to the camera's `profile`
// (packetization-mode=1 only: mode 0 would need one NAL per packet, which no
// camera stream fits). Decoders take any profile they know, so a different
// one is still better than none.
const Offered *
best_h264 (const std::vector<Offered> & formats, const std::string & profile)
{
  const std::string wanted = h264_profile_name (profile);
  const Offered *same_family = nullptr, *any = nullptr;
  for (const auto & f : formats) {
    if (f.encoding != "H264" || f.field ("packetization-mode") != "1")
      continue;
    const std::string offered = h264_profile_name (f.field ("profile"));
    if (!wanted.empty () && offered == wanted)
      return &f;
    if (!same_family && baseline_family (wanted) && baseline_family (offered))
      same_family = &f;
    if (!any)
      any = &f;
  }
  return same_family ? same_family : any;
}

const Offered *
find_encoding (const std::vector<Offered> & formats, const std::string & name)
{
  for (const auto & f : formats)
    if (f.encoding == name)
      return &f;
  return nullptr;
}

std::string
offered_list (const std::vector<Offered> & formats)
{
  std::vector<std::string> names;
  for (const auto & f : formats) {
    std::string name = f.encoding;
    if (f.encoding == "H264")
      name += "/pm=" + (f.field ("packetization-mode").empty () ? std::string ("0")
          : f.field ("packetization-mode"));
    if (std::find (names.begin (), names.end (), name) == names.end ())
      names.push_back (name);
  }
  std::string out;
  for (const auto & n : names)
    out += (out.empty () ? "" : ", ") + n;
  return out.empty () ? "nothing" : out;
}

bool
media_is_active (const GstSDPMedia * media, const char *kind)
{
  // Port 0 rejects an m-line, unless it is bundle-only (RFC 8843 §6: a
  // max-bundle offerer puts port 0 on every m-line but the first).
  return g_strcmp0 (gst_sdp_media_get_media (media), kind) == 0
      && (gst_sdp_media_get_port (media) != 0
      || gst_sdp_media_get_attribute_val (media, "bundle-only"));
}

bool
has_attribute (const GstSDPMessage * offer, const GstSDPMedia * media,
    const char *name)
{
  return gst_sdp_media_get_attribute_val (media, name)
      || gst_sdp_message_get_attribute_val (offer, name);
}

const char *
effective_attribute (const GstSDPMessage * offer, const GstSDPMedia * media,
    const char *name)
{
  const char *value = gst_sdp_media_get_attribute_val (media, name);
  return value ? value : gst_sdp_message_get_attribute_val (offer, name);
}

// Sets `name` on a media to `value`, replacing the one it has.
void
replace_attribute (GstSDPMedia * media, const char *name, const char *value)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, name) != 0)
      continue;
    GstSDPAttribute attribute;
    gst_sdp_attribute_set (&attribute, name, value);
    gst_sdp_media_replace_attribute (media, i, &attribute);
    return;
  }
  gst_sdp_media_add_attribute (media, name, value);
}

// An offerer that cannot know whether bundling will be accepted (aiortc)
// gives each m-line a transport of its own: ICE credentials and
// candidates. Once bundled only the tagged (first) m-line's transport
// carries anything (RFC 8843 §7.1), and webrtcbin refuses a bundle whose
// m-lines disagree, so the others take the tagged m-line's credentials and
// their own candidates are dropped.
void
share_bundle_transport (GstSDPMessage * offer)
{
  for (guint g = 0; g < gst_sdp_message_attributes_len (offer); g++) {
    const GstSDPAttribute *group = gst_sdp_message_get_attribute (offer, g);
    if (g_strcmp0 (group->key, "group") != 0 || !group->value
        || !g_str_has_prefix (group->value, "BUNDLE "))
      continue;
    gchar **mids = g_strsplit (group->value + 7, " ", -1);
    const GstSDPMedia *tagged = nullptr;
    for (gchar **mid = mids; *mid; mid++) {
      for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
        auto *media = const_cast<GstSDPMedia *> (gst_sdp_message_get_media
            (offer, i));
        if (!**mid || g_strcmp0 (gst_sdp_media_get_attribute_val (media,
                    "mid"), *mid) != 0)
          continue;
        if (!tagged) {
          tagged = media;
          continue;
        }
        for (const char *name : { "ice-ufrag", "ice-pwd" })
          if (const char *value = effective_attribute (offer, tagged, name))
            replace_attribute (media, name, value);
        for (guint a = gst_sdp_media_attributes_len (media); a-- > 0;) {
          const char *key = gst_sdp_media_get_attribute (media, a)->key;
          if (g_strcmp0 (key, "candidate") == 0
              || g_strcmp0 (key, "end-of-candidates") == 0)
            gst_sdp_media_remove_attribute (media, a);
        }
      }
    }
    g_strfreev (mids);
  }
}

}  // namespace

AnswerPlan::~AnswerPlan ()
{
  for (auto & t : tracks)
    gst_clear_caps (&t.caps);
}

bool
parse_offer (const std::string & sdp, GstSDPMessage ** offer,
    std::string & reason)
{
  *offer = nullptr;
  GstSDPMessage *message = nullptr;
  if (sdp.empty ()) {
    reason = "the offer is empty";
    return false;
  }
  if (sdp.rfind ("v=", 0) != 0
      || gst_sdp_message_new_from_text (sdp.c_str (), &message) != GST_SDP_OK
      || !message) {
    if (message)
      gst_sdp_message_free (message);
    reason = "the offer is not SDP";
    return false;
  }
  if (gst_sdp_message_medias_len (message) == 0) {
    reason = "the offer has no media (m=) lines";
    gst_sdp_message_free (message);
    return false;
  }
  for (guint i = 0; i < gst_sdp_message_medias_len (message); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (message, i);
    if (gst_sdp_media_get_port (media) == 0
        && !gst_sdp_media_get_attribute_val (media, "bundle-only"))
      continue;
    // webrtcbin cannot set up a transport without these.
    if (!has_attribute (message, media, "ice-ufrag")
        || !has_attribute (message, media, "ice-pwd")
        || !has_attribute (message, media, "fingerprint")) {
      reason = "m-line " + std::to_string (i) + " lacks ice-ufrag, ice-pwd or "
          "a DTLS fingerprint: not a WebRTC offer";
      gst_sdp_message_free (message);
      return false;
    }
  }
  share_bundle_transport (message);
  *offer = message;
  return true;
}

bool
plan_playback (const GstSDPMessage * offer, const StreamCodecs & have,
    AnswerPlan & plan, std::string & reason)
{
  bool video_done = false, audio_done = false;
  std::string video_refusal;
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    auto formats = offered_formats (media);
    const Offered *pick = nullptr;
    const char *kind = nullptr;
    if (media_is_active (media, "video") && !video_done && !have.video.empty ()) {
      kind = "video";
      pick = have.video == "H264" ? best_h264 (formats, have.video_profile)
          : find_encoding (formats, have.video);
      if (!pick)
        video_refusal = "the offer accepts none of the camera's video codecs: "
            "the camera sends " + have.video + (have.video == "H264"
            ? " (packetization-mode=1)" : "") + ", the offer has "
            + offered_list (formats);
      video_done = pick != nullptr;
    } else if (media_is_active (media, "audio") && !audio_done
        && !have.audio.empty ()) {
      kind = "audio";
      // The camera's own audio where browsers take it, else the feed's Opus.
      const MediaCodec *audio = codec_for_rtp_encoding (have.audio.c_str ());
      if (audio && audio->webrtc == Carriage::AsIs)
        pick = find_encoding (formats, have.audio);
      if (!pick)
        pick = find_encoding (formats, "OPUS");
      audio_done = pick != nullptr;
    }
    if (pick)
      choose (plan, i, kind, *pick);
    else
      plan.unused_mlines.push_back (i);
    free_formats (formats);
  }
  if (!video_refusal.empty () && !video_done) {
    reason = video_refusal;
    return false;
  }
  if (plan.tracks.empty ()) {
    reason = have.video.empty () && have.audio.empty ()
        ? "the stream has no media yet"
        : "the offer has no m-line the stream can fill (the stream has "
        + std::string (have.video.empty () ? "" : "video " + have.video)
        + (have.audio.empty () ? "" : std::string (have.video.empty () ? ""
                : ", ") + "audio") + ")";
    return false;
  }
  return true;
}

bool
plan_ingest (const GstSDPMessage * offer, AnswerPlan & plan,
    std::string & reason)
{
  bool video_done = false, audio_done = false;
  std::string refusal;
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    auto formats = offered_formats (media);
    const Offered *pick = nullptr;
    const char *kind = nullptr;
    if (media_is_active (media, "video") && !video_done) {
      kind = "video";
      pick = best_h264 (formats, "constrained-baseline");
      if (!pick)
        refusal = "camgate takes H.264 (packetization-mode=1) from publishers; "
            "the offer has " + offered_list (formats);
      video_done = pick != nullptr;
    } else if (media_is_active (media, "audio") && !audio_done) {
      kind = "audio";
      pick = find_encoding (formats, "OPUS");
      if (!pick)
        refusal = "camgate takes Opus audio from publishers; the offer has "
            + offered_list (formats);
      audio_done = pick != nullptr;
    }
    if (pick)
      choose (plan, i, kind, *pick);
    else
      plan.unused_mlines.push_back (i);
    free_formats (formats);
  }
  // WHIP: no partially successful answers (RFC 9725 §4.4.3).
  if (!refusal.empty ()) {
    reason = refusal;
    return false;
  }
  if (plan.tracks.empty ()) {
    reason = "the offer sends no audio or video";
    return false;
  }
  return true;
}

}  // namespace camgate::webrtc
