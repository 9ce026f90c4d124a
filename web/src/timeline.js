// vis-timeline's Timeline with vis-data's DataSet/DataView and the moment it formats dates with, as the
// global `vis`. Built from the "peer" builds so that the CSS stays in its own file (the standalone build
// injects a <style> element) and the bundle holds no polyfills.
import moment from "moment";
import { DataSet, DataView } from "vis-data/peer";
import { Timeline } from "vis-timeline/peer";

window.vis = { Timeline, DataSet, DataView, moment };
