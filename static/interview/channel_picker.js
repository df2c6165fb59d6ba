// The question list's channel picker (interview/filters.py ChannelPickerFilter):
// suggests only the chosen channel's sub-channels, clears a sub-channel that
// belongs to another channel, and leaves empty fields out of the address.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.oi-channel-picker")) {
    const channel = form.querySelector("input[name=channel]");
    const subChannel = form.querySelector("input[name=sub_channel]");
    const visible = document.getElementById(form.dataset.subList);
    const all = document.getElementById(form.dataset.subAll);
    if (!channel || !subChannel || !visible || !all) continue;
    const narrow = () => {
      const chosen = channel.value.trim();
      const options = [...all.options].filter((o) => !chosen || o.dataset.channel === chosen);
      visible.replaceChildren(...options.map((o) => o.cloneNode(true)));
      subChannel.placeholder = chosen ? `in ${chosen}` : "any channel";
      if (subChannel.value && chosen && !options.some((o) => o.value === subChannel.value)) {
        subChannel.value = "";
      }
    };
    channel.addEventListener("input", narrow);
    form.addEventListener("submit", () => {
      for (const input of [channel, subChannel]) input.disabled = !input.value.trim();
    });
  }
});
