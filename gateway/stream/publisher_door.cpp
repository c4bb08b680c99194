#include "stream/publisher_door.h"

namespace camgate {

namespace {

PublisherAdmission
decide (StreamManager & streams, AccessControl & access,
    const PublisherRequest & r, bool claim)
{
  using Refusal = PublisherAdmission::Refusal;
  auto refuse = [](Refusal refusal, std::string why) {
    PublisherAdmission a;
    a.refusal = refusal;
    a.why = std::move (why);
    return a;
  };
  auto target = streams.find (r.stream);
  if (!target)
    return refuse (Refusal::NotFound, "no stream '" + r.stream + "'");
  if (target->spec ().source.kind != SourceKind::Publish)
    return refuse (Refusal::Forbidden, "stream '" + r.stream + "' takes no "
        "publisher (its source is not 'publish', 'rtmp' or 'srt')");
  Identity who = access.anonymous ();
  if (access.enabled ()) {
    if (const unsigned wait_s = access.blocked_for_s (r.address))
      return refuse (Refusal::Unauthorized, "too many wrong passwords from "
          + r.address + ": try again in " + std::to_string (wait_s) + " s");
    if (!r.user.empty ()) {
      const UserSpec *known = access.login (r.user, r.password);
      if (!known) {
        access.record_failure (r.address);
        return refuse (Refusal::Unauthorized, "wrong user or password for '"
            + r.user + "'");
      }
      who = { known, {} };
    }
    if (!access.allowed (who, r.stream, kPermPublish))
      return refuse (r.user.empty () ? Refusal::Unauthorized
          : Refusal::Forbidden, r.user.empty () ? "stream '" + r.stream
          + "' needs a user with the publish permission"
          : "'" + r.user + "' may not publish to '" + r.stream + "'");
  }
  PublisherAdmission admitted;
  admitted.passphrase = target->spec ().source.passphrase;
  if (claim)
    admitted.lease = target->publish_slot ()->claim (r.protocol, r.address);
  if (claim ? !admitted.lease : target->publish_slot ()->taken ())
    return refuse (Refusal::Busy, "stream '" + r.stream
        + "' already has a publisher");
  return admitted;
}

}  // namespace

PublisherAdmission
admit_publisher (StreamManager & streams, AccessControl & access,
    const PublisherRequest & request)
{
  return decide (streams, access, request, true);
}

PublisherAdmission
check_publisher (StreamManager & streams, AccessControl & access,
    const PublisherRequest & request)
{
  return decide (streams, access, request, false);
}

}  // namespace camgate
