/** The route-access guard (route-access-suite.ts) over the transport SCIMBRIDGE_TEST_TRANSPORT picks. */
import { describeRouteAccess } from './route-access-suite.ts';

describeRouteAccess();
